package org.kemari.hv.kvm.internal.virtio;

import org.kemari.hv.kvm.internal.bus.MmioDevice;

import static org.kemari.hv.kvm.internal.virtio.VirtioMmioRegisters.*;

/**
 * A virtio-mmio driver written in Java, for tests: talks to a device through its registers as a
 * vCPU would, and lays out split virtqueues in {@link FakeGuestMemory}. Queue q's descriptor
 * table, available ring and used ring live at 0x10000 + q*0x4000 (+0x1000, +0x2000) unless a test
 * places them elsewhere.
 */
final class FakeVirtioDriver {
    static final int NEXT = 1;
    static final int WRITE = 2;
    static final int INDIRECT = 4;

    /** One buffer of a chain the driver posts. */
    record Buf(long addr, int len, boolean writable) {
        static Buf readable(long addr, int len) {
            return new Buf(addr, len, false);
        }

        static Buf writable(long addr, int len) {
            return new Buf(addr, len, true);
        }
    }

    private final MmioDevice device;
    private final FakeGuestMemory memory;
    private final int[] size = new int[4];
    private final long[] desc = new long[4];
    private final long[] avail = new long[4];
    private final long[] used = new long[4];
    private final int[] nextDesc = new int[4];
    private final int[] availIdx = new int[4];

    FakeVirtioDriver(MmioDevice device, FakeGuestMemory memory) {
        this.device = device;
        this.memory = memory;
    }

    int reg(int offset) {
        return (int) device.read(offset, 4);
    }

    void reg(int offset, int value) {
        device.write(offset, 4, value & 0xffffffffL);
    }

    int status() {
        return reg(STATUS);
    }

    long deviceFeatures() {
        reg(DEVICE_FEATURES_SEL, 0);
        long low = reg(DEVICE_FEATURES) & 0xffffffffL;
        reg(DEVICE_FEATURES_SEL, 1);
        return low | ((long) reg(DEVICE_FEATURES) << 32);
    }

    /** Resets, acknowledges, accepts {@code features}; returns whether FEATURES_OK stuck. */
    boolean negotiate(long features) {
        reg(STATUS, 0);
        reg(STATUS, VirtioStatus.ACKNOWLEDGE);
        reg(STATUS, VirtioStatus.ACKNOWLEDGE | VirtioStatus.DRIVER);
        reg(DRIVER_FEATURES_SEL, 0);
        reg(DRIVER_FEATURES, (int) features);
        reg(DRIVER_FEATURES_SEL, 1);
        reg(DRIVER_FEATURES, (int) (features >>> 32));
        reg(STATUS, status() | VirtioStatus.FEATURES_OK);
        return (status() & VirtioStatus.FEATURES_OK) != 0;
    }

    void setupQueue(int q, int queueSize) {
        long base = 0x10000 + q * 0x4000L;
        setupQueue(q, queueSize, base, base + 0x1000, base + 0x2000);
    }

    void setupQueue(int q, int queueSize, long descAddr, long availAddr, long usedAddr) {
        size[q] = queueSize;
        desc[q] = descAddr;
        avail[q] = availAddr;
        used[q] = usedAddr;
        nextDesc[q] = 0;
        availIdx[q] = 0;
        reg(QUEUE_SEL, q);
        reg(QUEUE_NUM, queueSize);
        reg(QUEUE_DESC_LOW, (int) descAddr);
        reg(QUEUE_DESC_HIGH, (int) (descAddr >>> 32));
        reg(QUEUE_DRIVER_LOW, (int) availAddr);
        reg(QUEUE_DRIVER_HIGH, (int) (availAddr >>> 32));
        reg(QUEUE_DEVICE_LOW, (int) usedAddr);
        reg(QUEUE_DEVICE_HIGH, (int) (usedAddr >>> 32));
        reg(QUEUE_READY, 1);
    }

    /**
     * Takes over a queue another driver set up at the default addresses (after a restore): only the
     * driver's own bookkeeping, no register writes.
     */
    void setupQueueBookkeeping(int q, int queueSize, int currentAvailIdx) {
        long base = 0x10000 + q * 0x4000L;
        size[q] = queueSize;
        desc[q] = base;
        avail[q] = base + 0x1000;
        used[q] = base + 0x2000;
        availIdx[q] = currentAvailIdx;
        nextDesc[q] = (currentAvailIdx * 3) % queueSize;
    }

    void driverOk() {
        reg(STATUS, status() | VirtioStatus.DRIVER_OK);
    }

    /** The whole start-up sequence with VERSION_1 and {@code queues} queues of size {@code queueSize}. */
    void start(int queues, int queueSize) {
        if (!negotiate(VirtioFeatures.VERSION_1)) {
            throw new AssertionError("device refused VERSION_1");
        }
        for (int q = 0; q < queues; q++) {
            setupQueue(q, queueSize);
        }
        driverOk();
    }

    /** Writes a chain into the descriptor table and makes it available; returns its head. */
    int post(int q, Buf... bufs) {
        int head = nextDesc[q];
        for (int i = 0; i < bufs.length; i++) {
            int index = (head + i) % size[q];
            int next = (head + i + 1) % size[q];
            boolean last = i == bufs.length - 1;
            writeDescriptor(q, index, bufs[i].addr(), bufs[i].len(),
                    (bufs[i].writable() ? WRITE : 0) | (last ? 0 : NEXT), last ? 0 : next);
        }
        nextDesc[q] = (head + bufs.length) % size[q];
        makeAvailable(q, head);
        return head;
    }

    void writeDescriptor(int q, int index, long addr, int len, int flags, int next) {
        long at = desc[q] + 16L * index;
        memory.putLong(at, addr);
        memory.putInt(at + 8, len);
        memory.putShort(at + 12, flags);
        memory.putShort(at + 14, next);
    }

    void makeAvailable(int q, int head) {
        memory.putShort(avail[q] + 4 + 2L * (availIdx[q] % size[q]), head);
        availIdx[q] = (availIdx[q] + 1) & 0xffff;
        memory.putShort(avail[q] + 2, availIdx[q]);
    }

    /** Sets the available ring's index directly (to break things). */
    void setAvailIdx(int q, int idx) {
        availIdx[q] = idx & 0xffff;
        memory.putShort(avail[q] + 2, availIdx[q]);
    }

    void notify(int q) {
        reg(QUEUE_NOTIFY, q);
    }

    int usedIdx(int q) {
        return memory.getShort(used[q] + 2);
    }

    int usedId(int q, int i) {
        return memory.getInt(used[q] + 4 + 8L * (i % size[q]));
    }

    int usedLen(int q, int i) {
        return memory.getInt(used[q] + 4 + 8L * (i % size[q]) + 4);
    }

    int usedFlags(int q) {
        return memory.getShort(used[q]);
    }
}
