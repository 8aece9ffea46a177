package org.kemari.core.internal.standby;

import java.io.IOException;
import java.io.UncheckedIOException;
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
 * A memory image in a sparse, already-unlinked file, mapped in chunks of at most 1 GiB (a
 * {@link ByteBuffer} stops at 2 GiB). A chunk is mapped only when a page is first written into
 * it, so the address space and memory an image takes grow with the pages that actually arrived,
 * not with the size a peer claimed; reading a chunk never written gives zeros without mapping it.
 * Untouched pages cost neither memory nor disk. The file's directory must have room for the
 * pages actually written: a full file system makes the JVM fail on the mapped write.
 */
public final class SparseFileImage implements CommittedImage {
    private static final Logger LOG = LoggerFactory.getLogger(SparseFileImage.class);
    static final int DEFAULT_CHUNK_BYTES = 1 << 30;

    private final long size;
    private final int chunkBytes;
    private final int chunkShift;
    private final long chunkMask;
    private final FileChannel file;
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
        if (safe.length() > 64) {
            safe = safe.substring(0, 64);
        }
        Path path = Files.createTempFile(dir, "kemari-" + safe + "-", ".mem");
        FileChannel ch = null;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            ch.truncate(0);
            // Setting the length by writing one byte at the end keeps the file sparse.
            ch.write(ByteBuffer.allocate(1), bytes - 1);
            long n = (bytes + chunkBytes - 1) / chunkBytes;
            LOG.debug("memory image for {}: {} bytes in up to {} chunks of {}", vmName, bytes, n, path);
            return new SparseFileImage(bytes, chunkBytes, ch, (int) n);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            throw e;
        } finally {
            // The open channel and the mappings keep the data; unlinked now, nothing is left behind after a crash.
            Files.deleteIfExists(path);
        }
    }

    private SparseFileImage(long size, int chunkBytes, FileChannel file, int chunkCount) {
        this.size = size;
        this.chunkBytes = chunkBytes;
        this.chunkShift = Integer.numberOfTrailingZeros(chunkBytes);
        this.chunkMask = chunkBytes - 1;
        this.file = file;
        this.chunks = new MappedByteBuffer[chunkCount];
    }

    /** How many chunks are mapped now (those pages were written into). */
    synchronized int mappedChunks() {
        int n = 0;
        for (MappedByteBuffer c : chunks) {
            if (c != null) {
                n++;
            }
        }
        return n;
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
            int index = (int) (at >>> chunkShift);
            MappedByteBuffer chunk = chunk(index, false);
            int inChunk = (int) (at & chunkMask);
            int n = Math.min(length, chunkLength(index) - inChunk);
            if (chunk == null) {
                // Never written: zeros, as the sparse file would give.
                for (int i = 0; i < n; i++) {
                    dst.put(dstPos + i, (byte) 0);
                }
            } else {
                dst.put(dstPos, chunk, inChunk, n);
            }
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
            int index = (int) (at >>> chunkShift);
            MappedByteBuffer chunk = chunk(index, true);
            int inChunk = (int) (at & chunkMask);
            int n = Math.min(length, chunk.capacity() - inChunk);
            chunk.put(inChunk, src, srcPos, n);
            srcPos += n;
            at += n;
            length -= n;
        }
    }

    private int chunkLength(int index) {
        return (int) Math.min(chunkBytes, size - ((long) index << chunkShift));
    }

    /** The chunk's mapping; maps it first if {@code create}, else null while never written. */
    private synchronized MappedByteBuffer chunk(int index, boolean create) {
        MappedByteBuffer c = chunks[index];
        if (c == null && create) {
            if (closed) {
                throw new IllegalStateException("memory image is closed");
            }
            try {
                c = file.map(FileChannel.MapMode.READ_WRITE, (long) index << chunkShift, chunkLength(index));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot map chunk " + index + " of a memory image: " + e.getMessage(), e);
            }
            chunks[index] = c;
        }
        return c;
    }

    private void check(long offset, int length) {
        if (closed) {
            throw new IllegalStateException("memory image is closed");
        }
        if (offset < 0 || offset > size - length) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " outside the image of " + size + " bytes");
        }
    }

    /** Drops the mappings' references and the file; the memory is returned when they are collected. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        java.util.Arrays.fill(chunks, null);
        try {
            file.close();
        } catch (IOException e) {
            LOG.debug("closing a memory image: {}", e.toString());
        }
    }
}
