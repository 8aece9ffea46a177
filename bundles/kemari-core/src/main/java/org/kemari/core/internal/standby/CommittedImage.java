package org.kemari.core.internal.standby;

import java.nio.ByteBuffer;

import org.kemari.api.hv.MemoryImage;

/** A standby's copy of guest memory: readable by a backend's restore, written only by commits. */
public interface CommittedImage extends MemoryImage, AutoCloseable {

    /** Copies {@code src.remaining()} bytes to RAM offset {@code offset}; {@code src}'s position is not moved. */
    void write(long offset, ByteBuffer src);

    /** Releases the image's memory. */
    @Override
    void close();
}
