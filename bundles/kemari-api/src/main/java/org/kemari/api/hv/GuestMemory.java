package org.kemari.api.hv;

import java.nio.ByteBuffer;

/** A running VM's RAM, addressed by RAM offset (see {@link MemoryImage}). */
public interface GuestMemory extends MemoryImage {

    /** The page size of dirty tracking and replication. */
    int PAGE_SIZE = 4096;

    /**
     * Copies {@code src.remaining()} bytes into guest RAM at {@code offset}. Writes made through
     * this method are not in the hypervisor's dirty log; callers that need them replicated must
     * track them themselves.
     */
    void write(long offset, ByteBuffer src);
}
