package org.kemari.hv.kvm.internal.virtio;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The host side of a virtual disk: a byte-addressed store of fixed capacity: an image file
 * ({@link FileDiskBackend}) or an NBD export on shared storage
 * ({@link org.kemari.hv.kvm.internal.nbd.NbdDiskBackend}). Offsets and lengths are checked by the caller against
 * {@link #capacityBytes()}.
 */
public interface DiskBackend extends AutoCloseable {

    /** The disk's size in bytes, a multiple of 512. */
    long capacityBytes();

    /** Whether writes are refused. */
    boolean readOnly();

    /** Fills {@code dst} from byte {@code offset} of the disk. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes all of {@code src} at byte {@code offset}; the data is on the backend when this returns (not necessarily durable). */
    void write(long offset, ByteBuffer src) throws IOException;

    /** Makes every completed write durable. */
    void flush() throws IOException;

    /** For logs: what the disk is backed by. */
    String describe();

    /** Never throws. */
    @Override
    void close();
}
