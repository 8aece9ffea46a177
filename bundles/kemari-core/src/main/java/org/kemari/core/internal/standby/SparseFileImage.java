package org.kemari.core.internal.standby;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A memory image in a sparse, already-unlinked file mapped in chunks of at most 1 GiB (a
 * {@link ByteBuffer} stops at 2 GiB). Untouched pages cost neither memory nor disk, so a large
 * guest whose epoch 0 skips zero pages stays cheap. The file's directory must have room for the
 * pages actually written: a full file system makes the JVM fail on the mapped write.
 */
public final class SparseFileImage implements CommittedImage {
    private static final Logger LOG = LoggerFactory.getLogger(SparseFileImage.class);
    static final int DEFAULT_CHUNK_BYTES = 1 << 30;

    private final long size;
    private final int chunkShift;
    private final long chunkMask;
    private final MappedByteBuffer[] chunks;
    private volatile boolean closed;

    /** Creates the image in {@code dir}. */
    public static SparseFileImage create(Path dir, String vmName, long bytes) throws IOException {
        return create(dir, vmName, bytes, DEFAULT_CHUNK_BYTES);
    }

    /** A factory placing images in {@code dir}. */
    public static ImageFactory factory(Path dir) {
        Objects.requireNonNull(dir, "dir");
        return (vmName, bytes) -> create(dir, vmName, bytes);
    }

    static SparseFileImage create(Path dir, String vmName, long bytes, int chunkBytes) throws IOException {
        if (bytes <= 0 || bytes % StreamPages.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("image size must be a positive multiple of 4096, got " + bytes);
        }
        if (Integer.bitCount(chunkBytes) != 1 || chunkBytes < StreamPages.PAGE_SIZE) {
            throw new IllegalArgumentException("chunk size must be a power of two of at least a page");
        }
        Files.createDirectories(dir);
        String safe = vmName.replaceAll("[^A-Za-z0-9_.-]", "_");
        Path file = Files.createTempFile(dir, "kemari-" + safe + "-", ".mem");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            // Setting the length by writing one byte at the end keeps the file sparse.
            ch.write(ByteBuffer.allocate(1), bytes - 1);
            int n = (int) ((bytes + chunkBytes - 1) / chunkBytes);
            MappedByteBuffer[] chunks = new MappedByteBuffer[n];
            for (int i = 0; i < n; i++) {
                long start = (long) i * chunkBytes;
                chunks[i] = ch.map(FileChannel.MapMode.READ_WRITE, start, Math.min(chunkBytes, bytes - start));
            }
            LOG.debug("memory image for {}: {} bytes in {} mapped chunks of {}", vmName, bytes, n, file);
            return new SparseFileImage(bytes, chunkBytes, chunks);
        } finally {
            // The mappings keep the data; unlinking now means nothing is left behind after a crash.
            Files.deleteIfExists(file);
        }
    }

    private SparseFileImage(long size, int chunkBytes, MappedByteBuffer[] chunks) {
        this.size = size;
        this.chunkShift = Integer.numberOfTrailingZeros(chunkBytes);
        this.chunkMask = chunkBytes - 1;
        this.chunks = chunks;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        int length = dst.remaining();
        check(offset, length);
        int dstPos = dst.position();
        long at = offset;
        while (length > 0) {
            MappedByteBuffer chunk = chunks[(int) (at >>> chunkShift)];
            int inChunk = (int) (at & chunkMask);
            int n = Math.min(length, chunk.capacity() - inChunk);
            dst.put(dstPos, chunk, inChunk, n);
            dstPos += n;
            at += n;
            length -= n;
        }
        dst.position(dstPos);
    }

    @Override
    public void write(long offset, ByteBuffer src) {
        int length = src.remaining();
        check(offset, length);
        int srcPos = src.position();
        long at = offset;
        while (length > 0) {
            MappedByteBuffer chunk = chunks[(int) (at >>> chunkShift)];
            int inChunk = (int) (at & chunkMask);
            int n = Math.min(length, chunk.capacity() - inChunk);
            chunk.put(inChunk, src, srcPos, n);
            srcPos += n;
            at += n;
            length -= n;
        }
    }

    private void check(long offset, int length) {
        if (closed) {
            throw new IllegalStateException("memory image is closed");
        }
        if (offset < 0 || offset > size - length) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " outside the image of " + size + " bytes");
        }
    }

    /** Drops the mappings' references; the memory is returned when they are collected. */
    @Override
    public void close() {
        closed = true;
        java.util.Arrays.fill(chunks, null);
    }
}
