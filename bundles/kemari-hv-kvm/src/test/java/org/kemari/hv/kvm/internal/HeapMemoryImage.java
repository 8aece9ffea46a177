package org.kemari.hv.kvm.internal;

import java.nio.ByteBuffer;

import org.kemari.api.hv.MemoryImage;

/** A memory image in a Java array (test guests are small). */
final class HeapMemoryImage implements MemoryImage {
    private final byte[] bytes;

    HeapMemoryImage(byte[] bytes) {
        this.bytes = bytes;
    }

    static HeapMemoryImage copyOf(MemoryImage from) {
        byte[] b = new byte[Math.toIntExact(from.size())];
        from.read(0, ByteBuffer.wrap(b));
        return new HeapMemoryImage(b);
    }

    byte[] bytes() {
        return bytes;
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        if (offset < 0 || offset + dst.remaining() > bytes.length) {
            throw new IndexOutOfBoundsException("offset " + offset);
        }
        dst.put(bytes, (int) offset, dst.remaining());
    }
}
