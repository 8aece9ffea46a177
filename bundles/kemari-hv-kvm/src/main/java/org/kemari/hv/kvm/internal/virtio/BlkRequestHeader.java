package org.kemari.hv.kvm.internal.virtio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.kemari.hv.kvm.internal.bus.GuestPhysicalMemory;

/** The 16-byte virtio-blk request header {u32 type, u32 reserved, u64 sector}. */
record BlkRequestHeader(int type, long sector) {

    /** Reads the header of {@code chain}, which must also end in a writable status byte. */
    static BlkRequestHeader read(GuestPhysicalMemory memory, DescriptorChain chain) throws VirtqueueException {
        if (chain.readableLength() < VirtioBlkDevice.HEADER_SIZE) {
            throw new VirtqueueException("request at head " + chain.head() + " has a header of "
                    + chain.readableLength() + " bytes, expected " + VirtioBlkDevice.HEADER_SIZE);
        }
        if (chain.writableLength() < 1) {
            throw new VirtqueueException("request at head " + chain.head() + " has no writable status byte");
        }
        ByteBuffer b = ByteBuffer.allocate(VirtioBlkDevice.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        chain.read(memory, 0, b);
        return new BlkRequestHeader(b.getInt(0), b.getLong(8));
    }
}
