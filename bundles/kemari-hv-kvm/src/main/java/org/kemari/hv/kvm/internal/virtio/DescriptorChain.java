package org.kemari.hv.kvm.internal.virtio;

import java.nio.ByteBuffer;
import java.util.List;

import org.kemari.hv.kvm.internal.bus.GuestPhysicalMemory;

/**
 * A request as the driver posted it: the device-readable buffers followed by the device-writable
 * ones. Offsets address each part as one contiguous byte range, however it is split into
 * descriptors.
 */
final class DescriptorChain {
    private final int head;
    private final List<Descriptor> readable;
    private final List<Descriptor> writable;
    private final long readableLength;
    private final long writableLength;

    DescriptorChain(int head, List<Descriptor> readable, List<Descriptor> writable) {
        this.head = head;
        this.readable = List.copyOf(readable);
        this.writable = List.copyOf(writable);
        this.readableLength = totalLength(readable);
        this.writableLength = totalLength(writable);
    }

    /** The index of the chain's first descriptor: what the used ring reports back. */
    int head() {
        return head;
    }

    long readableLength() {
        return readableLength;
    }

    long writableLength() {
        return writableLength;
    }

    /** Copies {@code dst.remaining()} bytes from the readable part, starting {@code offset} bytes into it. */
    void read(GuestPhysicalMemory memory, long offset, ByteBuffer dst) {
        if (offset < 0 || offset + dst.remaining() > readableLength) {
            throw new IndexOutOfBoundsException("read of " + dst.remaining() + " bytes at " + offset
                    + " beyond the " + readableLength + " readable bytes");
        }
        long skip = offset;
        for (Descriptor d : readable) {
            if (!dst.hasRemaining()) {
                return;
            }
            if (skip >= d.len()) {
                skip -= d.len();
                continue;
            }
            int n = (int) Math.min(d.len() - skip, dst.remaining());
            ByteBuffer part = dst.slice(dst.position(), n);
            memory.read(d.addr() + skip, part);
            dst.position(dst.position() + n);
            skip = 0;
        }
    }

    /** Copies {@code src.remaining()} bytes into the writable part, starting {@code offset} bytes into it. */
    void write(GuestPhysicalMemory memory, long offset, ByteBuffer src) {
        if (offset < 0 || offset + src.remaining() > writableLength) {
            throw new IndexOutOfBoundsException("write of " + src.remaining() + " bytes at " + offset
                    + " beyond the " + writableLength + " writable bytes");
        }
        long skip = offset;
        for (Descriptor d : writable) {
            if (!src.hasRemaining()) {
                return;
            }
            if (skip >= d.len()) {
                skip -= d.len();
                continue;
            }
            int n = (int) Math.min(d.len() - skip, src.remaining());
            ByteBuffer part = src.slice(src.position(), n);
            memory.write(d.addr() + skip, part);
            src.position(src.position() + n);
            skip = 0;
        }
    }

    /** The guest-physical address of the writable part's byte at {@code offset}. */
    long writableAddress(long offset) {
        long skip = offset;
        for (Descriptor d : writable) {
            if (skip < d.len()) {
                return d.addr() + skip;
            }
            skip -= d.len();
        }
        throw new IndexOutOfBoundsException("offset " + offset + " beyond the " + writableLength + " writable bytes");
    }

    private static long totalLength(List<Descriptor> descriptors) {
        long sum = 0;
        for (Descriptor d : descriptors) {
            sum += d.len();
        }
        return sum;
    }
}
