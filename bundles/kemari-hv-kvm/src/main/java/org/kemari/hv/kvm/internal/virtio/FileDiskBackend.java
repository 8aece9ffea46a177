package org.kemari.hv.kvm.internal.virtio;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A disk backed by an image file or a block device on this host; its capacity is the size rounded
 * down to 512 bytes.
 *
 * <p>Write-through (O_DSYNC) is for storage the standby shares: when a host dies, its page cache
 * dies with it, yet the standby resumes a guest that saw each released write complete, so a
 * completed write must already be on the storage. A replicated image needs none of it: the
 * standby's own copy gets the writes with the epochs.
 */
public final class FileDiskBackend implements DiskBackend {
    private static final Logger LOG = LoggerFactory.getLogger(FileDiskBackend.class);

    private final Path path;
    private final boolean readOnly;
    private final boolean writeThrough;
    private final FileChannel channel;
    private final long capacity;

    /** Opens an existing image, writes cached by this host (a replicated disk's local image, a test's). */
    public FileDiskBackend(Path path, boolean readOnly) throws IOException {
        this(path, readOnly, false);
    }

    /**
     * Opens an existing image; never creates one, so a mistyped path fails instead of giving the
     * guest an empty disk.
     *
     * @param writeThrough every write is on the storage when it returns (O_DSYNC): for shared storage
     */
    public FileDiskBackend(Path path, boolean readOnly, boolean writeThrough) throws IOException {
        this.path = path;
        this.readOnly = readOnly;
        this.writeThrough = writeThrough && !readOnly;
        this.channel = readOnly
                ? FileChannel.open(path, StandardOpenOption.READ)
                : this.writeThrough
                        ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.DSYNC)
                        : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.capacity = channel.size() & ~511L;
    }

    @Override
    public long capacityBytes() {
        return capacity;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        long at = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                throw new EOFException(path + ": read beyond the end of the image at " + at);
            }
            at += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (readOnly) {
            throw new IOException(path + " is read-only");
        }
        long at = offset;
        while (src.hasRemaining()) {
            at += channel.write(src, at);
        }
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            channel.force(false);
        }
    }

    @Override
    public String describe() {
        return "file " + path + (readOnly ? " (read-only)" : writeThrough ? " (write-through)" : "");
    }

    /** Closes the image; a writable one is flushed first, so a stopped VM's writes are on its disk. */
    @Override
    public void close() {
        try (channel) {
            if (!readOnly) {
                channel.force(false);
            }
        } catch (IOException e) {
            LOG.warn("flushing or closing disk image {} failed", path, e);
        }
    }
}
