package org.kemari.api.hv;

import java.nio.ByteBuffer;

/**
 * Guest memory contents addressed by <em>RAM offset</em>: offset 0 is the first byte of guest
 * RAM and offsets run contiguously to {@link #size()}, whatever holes the backend's guest
 * physical map has. Page {@code n} is the 4 KiB at offset {@code n * PAGE_SIZE}.
 */
public interface MemoryImage {

    /** Size of guest RAM in bytes. */
    long size();

    /** Number of 4 KiB pages. */
    default long pageCount() {
        return size() / GuestMemory.PAGE_SIZE;
    }

    /**
     * Copies {@code dst.remaining()} bytes starting at RAM offset {@code offset} into {@code dst}.
     *
     * @throws IndexOutOfBoundsException if the range is outside guest RAM
     */
    void read(long offset, ByteBuffer dst);
}
