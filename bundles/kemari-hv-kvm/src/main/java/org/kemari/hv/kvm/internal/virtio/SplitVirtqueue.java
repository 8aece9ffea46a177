package org.kemari.hv.kvm.internal.virtio;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

import org.kemari.hv.kvm.internal.bus.GuestPhysicalMemory;

/**
 * The device side of one split virtqueue (virtio 1.1, section 2.6): takes chains from the
 * available ring and returns them on the used ring. Every address the driver supplies is checked
 * against guest RAM before it is touched; a bad one raises {@link VirtqueueException} and nothing
 * is written. Not thread-safe: the owning transport serialises access.
 */
final class SplitVirtqueue {
    private static final int DESC_SIZE = 16;
    private static final int DESC_F_NEXT = 1;
    private static final int DESC_F_WRITE = 2;
    private static final int DESC_F_INDIRECT = 4;
    private static final int USED_F_NO_NOTIFY = 1;

    private final GuestPhysicalMemory memory;
    private final int maxSize;

    private int size;
    private boolean ready;
    private long descAddr;
    private long driverAddr;
    private long deviceAddr;
    private int lastAvailIdx;
    private int usedIdx;
    /** What the device last wrote into the used ring's flags; -1 when unknown (after reset or restore). */
    private int usedFlagsWritten = -1;

    SplitVirtqueue(GuestPhysicalMemory memory, int maxSize) {
        this.memory = memory;
        this.maxSize = maxSize;
    }

    int maxSize() {
        return maxSize;
    }

    int size() {
        return size;
    }

    boolean ready() {
        return ready;
    }

    long descAddr() {
        return descAddr;
    }

    long driverAddr() {
        return driverAddr;
    }

    long deviceAddr() {
        return deviceAddr;
    }

    void setSize(int size) {
        this.size = size;
    }

    void setDescAddr(long addr) {
        this.descAddr = addr;
    }

    void setDriverAddr(long addr) {
        this.driverAddr = addr;
    }

    void setDeviceAddr(long addr) {
        this.deviceAddr = addr;
    }

    /** Back to the state after device reset: not ready, nothing configured. */
    void reset() {
        size = 0;
        ready = false;
        descAddr = 0;
        driverAddr = 0;
        deviceAddr = 0;
        lastAvailIdx = 0;
        usedIdx = 0;
        usedFlagsWritten = -1;
    }

    /** The driver wrote QueueReady=1: checks the layout, then starts using the queue. */
    void enable() throws VirtqueueException {
        checkLayout();
        ready = true;
    }

    void disable() {
        ready = false;
    }

    /**
     * Takes the next chain the driver made available, or returns null when there is none.
     *
     * @throws VirtqueueException if the ring or the chain is malformed or points outside RAM
     */
    DescriptorChain poll() throws VirtqueueException {
        if (!ready) {
            return null;
        }
        int availIdx = memory.readShort(driverAddr + 2) & 0xffff;
        int pending = (availIdx - lastAvailIdx) & 0xffff;
        if (pending == 0) {
            return null;
        }
        if (pending > size) {
            throw new VirtqueueException("available ring index " + availIdx + " is " + pending
                    + " ahead of the device in a queue of size " + size);
        }
        // Read the ring entry only after the index that published it.
        VarHandle.acquireFence();
        int head = memory.readShort(driverAddr + 4 + 2L * (lastAvailIdx % size)) & 0xffff;
        DescriptorChain chain = readChain(head);
        lastAvailIdx = (lastAvailIdx + 1) & 0xffff;
        return chain;
    }

    /** Gives back the chain just taken by {@link #poll()}, unused: the next poll returns it again. */
    void unpoll() {
        lastAvailIdx = (lastAvailIdx - 1) & 0xffff;
    }

    /**
     * Tells the driver whether it needs to notify after making buffers available
     * (VIRTQ_USED_F_NO_NOTIFY): a device that polls the ring at the right moments saves the guest
     * a notify exit per buffer. Writes the flag only when it changes.
     */
    void suppressNotifications(boolean suppress) {
        int flags = suppress ? USED_F_NO_NOTIFY : 0;
        if (ready && flags != usedFlagsWritten) {
            memory.writeShort(deviceAddr, (short) flags);
            usedFlagsWritten = flags;
        }
    }

    /** Whether the driver has made chains available that the device has not taken yet. */
    boolean hasAvailable() {
        if (!ready) {
            return false;
        }
        int availIdx = memory.readShort(driverAddr + 2) & 0xffff;
        return availIdx != lastAvailIdx;
    }

    /**
     * Reads and checks the chain starting at descriptor {@code head}; also used to re-read the
     * chains of in-flight requests after a restore.
     */
    DescriptorChain readChain(int head) throws VirtqueueException {
        if (head >= size) {
            throw new VirtqueueException("descriptor index " + head + " out of range for queue size " + size);
        }
        List<Descriptor> readable = new ArrayList<>();
        List<Descriptor> writable = new ArrayList<>();
        int index = head;
        for (int count = 0; ; count++) {
            if (count >= size) {
                throw new VirtqueueException("descriptor chain from " + head + " is longer than the queue (a loop?)");
            }
            long at = descAddr + (long) DESC_SIZE * index;
            long addr = memory.readLong(at);
            long len = memory.readInt(at + 8) & 0xffffffffL;
            int flags = memory.readShort(at + 12) & 0xffff;
            int next = memory.readShort(at + 14) & 0xffff;
            if ((flags & DESC_F_INDIRECT) != 0) {
                throw new VirtqueueException("descriptor " + index + " is indirect, which this device does not offer");
            }
            if (len > Integer.MAX_VALUE || !memory.contains(addr, len)) {
                throw new VirtqueueException(String.format(
                        "descriptor %d points outside guest RAM: 0x%x + %d bytes", index, addr, len));
            }
            boolean deviceWritable = (flags & DESC_F_WRITE) != 0;
            if (!deviceWritable && !writable.isEmpty()) {
                throw new VirtqueueException("descriptor " + index + " is device-readable after a device-writable one");
            }
            if (len > 0) {
                (deviceWritable ? writable : readable).add(new Descriptor(addr, (int) len, deviceWritable));
            }
            if ((flags & DESC_F_NEXT) == 0) {
                return new DescriptorChain(head, readable, writable);
            }
            if (next >= size) {
                throw new VirtqueueException("descriptor " + index + " chains to " + next
                        + ", out of range for queue size " + size);
            }
            index = next;
        }
    }

    /** Returns a chain to the driver, reporting {@code writtenLength} bytes written into it. */
    void pushUsed(int head, int writtenLength) {
        long element = deviceAddr + 4 + 8L * (usedIdx % size);
        memory.writeInt(element, head);
        memory.writeInt(element + 4, writtenLength);
        // The driver must see the element before the index that publishes it.
        VarHandle.releaseFence();
        usedIdx = (usedIdx + 1) & 0xffff;
        memory.writeShort(deviceAddr + 2, (short) usedIdx);
    }

    VirtqueueState state() {
        return new VirtqueueState(size, ready, descAddr, driverAddr, deviceAddr, lastAvailIdx, usedIdx);
    }

    /** Takes over saved state; a ready queue's layout is checked as on enable. */
    void restore(VirtqueueState state) throws VirtqueueException {
        reset();
        size = state.size();
        descAddr = state.descAddr();
        driverAddr = state.driverAddr();
        deviceAddr = state.deviceAddr();
        lastAvailIdx = state.lastAvailIdx() & 0xffff;
        usedIdx = state.usedIdx() & 0xffff;
        if (state.ready()) {
            enable();
        }
    }

    private void checkLayout() throws VirtqueueException {
        if (size < 1 || size > maxSize || Integer.bitCount(size) != 1) {
            throw new VirtqueueException("queue size " + size + " is not a power of two in 1.." + maxSize);
        }
        checkArea("descriptor table", descAddr, 16, (long) DESC_SIZE * size);
        checkArea("available ring", driverAddr, 2, 6 + 2L * size);
        checkArea("used ring", deviceAddr, 4, 6 + 8L * size);
    }

    private void checkArea(String what, long addr, int alignment, long length) throws VirtqueueException {
        if (addr % alignment != 0) {
            throw new VirtqueueException(String.format("%s at 0x%x is not %d-byte aligned", what, addr, alignment));
        }
        if (!memory.contains(addr, length)) {
            throw new VirtqueueException(String.format("%s at 0x%x (%d bytes) is outside guest RAM", what, addr, length));
        }
    }
}
