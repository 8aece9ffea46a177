package org.kemari.hv.kvm.internal.virtio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.kemari.hv.kvm.internal.bus.GuestPhysicalMemory;

/**
 * Guest RAM for tests: {@code size} bytes at guest-physical 0, little-endian. Like the real view
 * it throws on any access outside RAM; it also records such attempts and every write, so tests
 * can check that a device never wrote outside RAM.
 */
final class FakeGuestMemory implements GuestPhysicalMemory {
    private final ByteBuffer ram;
    final List<String> outOfRange = new ArrayList<>();
    long writes;

    FakeGuestMemory(int size) {
        ram = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    int at(long gpa, long len) {
        if (!contains(gpa, len)) {
            String what = String.format("0x%x+%d", gpa, len);
            outOfRange.add(what);
            throw new IndexOutOfBoundsException("not RAM: " + what);
        }
        return (int) gpa;
    }

    @Override
    public void read(long gpa, ByteBuffer dst) {
        int from = at(gpa, dst.remaining());
        dst.put(ram.slice(from, dst.remaining()));
    }

    @Override
    public void write(long gpa, ByteBuffer src) {
        int to = at(gpa, src.remaining());
        writes++;
        ram.put(to, src, src.position(), src.remaining());
        src.position(src.limit());
    }

    @Override
    public long readLong(long gpa) {
        return ram.getLong(at(gpa, 8));
    }

    @Override
    public int readInt(long gpa) {
        return ram.getInt(at(gpa, 4));
    }

    @Override
    public short readShort(long gpa) {
        return ram.getShort(at(gpa, 2));
    }

    @Override
    public void writeShort(long gpa, short value) {
        writes++;
        ram.putShort(at(gpa, 2), value);
    }

    @Override
    public void writeInt(long gpa, int value) {
        writes++;
        ram.putInt(at(gpa, 4), value);
    }

    @Override
    public void writeByte(long gpa, byte value) {
        writes++;
        ram.put(at(gpa, 1), value);
    }

    @Override
    public boolean contains(long gpa, long len) {
        return gpa >= 0 && len >= 0 && gpa <= ram.capacity() && len <= ram.capacity() - gpa;
    }

    // ---- the test driver's direct access (no write counting) ----

    void put(long gpa, byte[] bytes) {
        ram.put((int) gpa, bytes);
    }

    byte[] get(long gpa, int len) {
        byte[] b = new byte[len];
        ram.get((int) gpa, b);
        return b;
    }

    void putLong(long gpa, long v) {
        ram.putLong((int) gpa, v);
    }

    void putInt(long gpa, int v) {
        ram.putInt((int) gpa, v);
    }

    void putShort(long gpa, int v) {
        ram.putShort((int) gpa, (short) v);
    }

    int getShort(long gpa) {
        return ram.getShort((int) gpa) & 0xffff;
    }

    int getInt(long gpa) {
        return ram.getInt((int) gpa);
    }

    byte getByte(long gpa) {
        return ram.get((int) gpa);
    }
}
