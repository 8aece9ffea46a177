package org.kemari.hv.kvm.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.Pointer;

import org.kemari.api.hv.GuestMemory;
import org.kemari.api.hv.HypervisorException;
import org.kemari.hv.kvm.internal.sys.LibC;

/**
 * Guest RAM: one anonymous private mapping of the whole RAM size (lazy: untouched pages cost
 * nothing), addressed by RAM offset. Accessed through 1 GiB direct-buffer views because a JNA
 * buffer view cannot exceed 2 GiB; all accesses use absolute indices, so views are shared
 * between threads safely.
 */
final class GuestRam implements GuestMemory, AutoCloseable {
    private static final int CHUNK_SHIFT = 30;
    private static final long CHUNK_SIZE = 1L << CHUNK_SHIFT;
    private static final long CHUNK_MASK = CHUNK_SIZE - 1;

    private final long size;
    private final ByteBuffer[] chunks;
    private volatile long address;

    GuestRam(long size) throws HypervisorException {
        this.size = size;
        long addr = LibC.mmap(0, size, LibC.PROT_READ | LibC.PROT_WRITE,
                LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
        if (addr == LibC.MAP_FAILED) {
            throw Errno.failure("mmap of " + size + " bytes of guest RAM", Errno.last());
        }
        this.address = addr;
        int n = (int) ((size + CHUNK_SIZE - 1) >>> CHUNK_SHIFT);
        chunks = new ByteBuffer[n];
        Pointer base = new Pointer(addr);
        for (int i = 0; i < n; i++) {
            long start = (long) i << CHUNK_SHIFT;
            chunks[i] = base.getByteBuffer(start, Math.min(CHUNK_SIZE, size - start)).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** Host virtual address of RAM offset 0 (for KVM memory slots). */
    long hostAddress() {
        return address;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        long len = dst.remaining();
        checkRange(offset, len);
        while (len > 0) {
            ByteBuffer chunk = chunks[(int) (offset >>> CHUNK_SHIFT)];
            int at = (int) (offset & CHUNK_MASK);
            int n = (int) Math.min(len, chunk.capacity() - at);
            dst.put(dst.position(), chunk, at, n);
            dst.position(dst.position() + n);
            offset += n;
            len -= n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) {
        long len = src.remaining();
        checkRange(offset, len);
        while (len > 0) {
            ByteBuffer chunk = chunks[(int) (offset >>> CHUNK_SHIFT)];
            int at = (int) (offset & CHUNK_MASK);
            int n = (int) Math.min(len, chunk.capacity() - at);
            chunk.put(at, src, src.position(), n);
            src.position(src.position() + n);
            offset += n;
            len -= n;
        }
    }

    long getLong(long offset) {
        if ((offset & CHUNK_MASK) <= CHUNK_MASK - 7) {
            checkRange(offset, 8);
            return chunks[(int) (offset >>> CHUNK_SHIFT)].getLong((int) (offset & CHUNK_MASK));
        }
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        read(offset, b);
        return b.getLong(0);
    }

    int getInt(long offset) {
        if ((offset & CHUNK_MASK) <= CHUNK_MASK - 3) {
            checkRange(offset, 4);
            return chunks[(int) (offset >>> CHUNK_SHIFT)].getInt((int) (offset & CHUNK_MASK));
        }
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        read(offset, b);
        return b.getInt(0);
    }

    short getShort(long offset) {
        if ((offset & CHUNK_MASK) <= CHUNK_MASK - 1) {
            checkRange(offset, 2);
            return chunks[(int) (offset >>> CHUNK_SHIFT)].getShort((int) (offset & CHUNK_MASK));
        }
        ByteBuffer b = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
        read(offset, b);
        return b.getShort(0);
    }

    void putLong(long offset, long value) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
        write(offset, b);
    }

    void putInt(long offset, int value) {
        if ((offset & CHUNK_MASK) <= CHUNK_MASK - 3) {
            checkRange(offset, 4);
            chunks[(int) (offset >>> CHUNK_SHIFT)].putInt((int) (offset & CHUNK_MASK), value);
            return;
        }
        write(offset, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value));
    }

    void putShort(long offset, short value) {
        if ((offset & CHUNK_MASK) <= CHUNK_MASK - 1) {
            checkRange(offset, 2);
            chunks[(int) (offset >>> CHUNK_SHIFT)].putShort((int) (offset & CHUNK_MASK), value);
            return;
        }
        write(offset, ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, value));
    }

    void putByte(long offset, byte value) {
        checkRange(offset, 1);
        chunks[(int) (offset >>> CHUNK_SHIFT)].put((int) (offset & CHUNK_MASK), value);
    }

    void write(long offset, byte[] bytes) {
        write(offset, ByteBuffer.wrap(bytes));
    }

    private void checkRange(long offset, long len) {
        if (address == 0) {
            throw new IllegalStateException("guest RAM has been released");
        }
        if (offset < 0 || len < 0 || offset > size - len) {
            throw new IndexOutOfBoundsException("RAM range [" + offset + ", +" + len + ") outside 0.." + size);
        }
    }

    /** Unmaps RAM. Callers must make sure no vCPU runs and no device touches memory any more. */
    @Override
    public void close() {
        long addr = address;
        if (addr != 0) {
            address = 0;
            LibC.munmap(addr, size);
        }
    }
}
