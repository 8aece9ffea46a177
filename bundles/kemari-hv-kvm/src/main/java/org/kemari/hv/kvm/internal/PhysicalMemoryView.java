package org.kemari.hv.kvm.internal;

import java.nio.ByteBuffer;

import org.kemari.hv.kvm.internal.bus.GuestPhysicalMemory;

/**
 * Guest RAM as device models see it: by guest-physical address, with every write recorded in the
 * device-dirty bitmap so the next dirty-page fetch includes it.
 */
final class PhysicalMemoryView implements GuestPhysicalMemory {
    private final GuestRam ram;
    private final MemoryLayout layout;
    private final PageBitmap deviceDirty;

    PhysicalMemoryView(GuestRam ram, MemoryLayout layout, PageBitmap deviceDirty) {
        this.ram = ram;
        this.layout = layout;
        this.deviceDirty = deviceDirty;
    }

    private long offset(long gpa, long len) {
        long offset = layout.ramOffset(gpa, len);
        if (offset < 0) {
            throw new IndexOutOfBoundsException("guest-physical range 0x" + Long.toHexString(gpa) + " +" + len + " is not RAM");
        }
        return offset;
    }

    @Override
    public void read(long gpa, ByteBuffer dst) {
        ram.read(offset(gpa, dst.remaining()), dst);
    }

    @Override
    public void write(long gpa, ByteBuffer src) {
        int len = src.remaining();
        long offset = offset(gpa, len);
        ram.write(offset, src);
        deviceDirty.markRange(offset, len);
    }

    @Override
    public long readLong(long gpa) {
        return ram.getLong(offset(gpa, 8));
    }

    @Override
    public int readInt(long gpa) {
        return ram.getInt(offset(gpa, 4));
    }

    @Override
    public short readShort(long gpa) {
        return ram.getShort(offset(gpa, 2));
    }

    @Override
    public void writeShort(long gpa, short value) {
        long offset = offset(gpa, 2);
        ram.putShort(offset, value);
        deviceDirty.markRange(offset, 2);
    }

    @Override
    public void writeInt(long gpa, int value) {
        long offset = offset(gpa, 4);
        ram.putInt(offset, value);
        deviceDirty.markRange(offset, 4);
    }

    @Override
    public void writeByte(long gpa, byte value) {
        long offset = offset(gpa, 1);
        ram.putByte(offset, value);
        deviceDirty.markRange(offset, 1);
    }

    @Override
    public boolean contains(long gpa, long len) {
        return layout.ramOffset(gpa, len) >= 0;
    }
}
