package org.kemari.hv.kvm.internal.virtio;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.kemari.hv.kvm.internal.net.InProcessNetPair;
import org.kemari.hv.kvm.internal.virtio.FakeVirtioDriver.Buf;

/**
 * A virtio-net device on one side of an in-process pair; the test holds the other side
 * ({@link #wire}) and sees what the guest sends in {@link #sent}. Receive buffer i is at
 * 0x100000 + i*2048, transmit buffer i at 0x200000 + i*2048.
 */
final class NetTestRig implements AutoCloseable {
    static final int RAM = 4 << 20;
    static final byte[] MAC = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    static final int BUFFER = 2048;

    final FakeGuestMemory memory = new FakeGuestMemory(RAM);
    final FakeEvents events = new FakeEvents();
    final FakeRouter router = new FakeRouter();
    final InProcessNetPair pair = new InProcessNetPair("test");
    final List<byte[]> sent = new CopyOnWriteArrayList<>();
    final VirtioNetDevice device;
    final FakeVirtioDriver driver;
    private int txCount;

    NetTestRig() {
        device = new VirtioNetDevice("net0", VirtioDevices.slotBase(1), MAC, pair.a(), memory, events, router);
        device.start();
        pair.b().setReceiver(sent::add);
        driver = new FakeVirtioDriver(device, memory);
    }

    /** The guest's start-up: both queues of size 16, no receive buffers yet. */
    void start() {
        driver.start(2, 16);
    }

    static long rxBuffer(int i) {
        return 0x100000 + (long) i * BUFFER;
    }

    static long txBuffer(int i) {
        return 0x200000 + (long) i * BUFFER;
    }

    /** Posts receive buffers 0..count-1 (without notifying). */
    void postRx(int from, int count) {
        for (int i = from; i < from + count; i++) {
            driver.post(VirtioNetDevice.RX_QUEUE, Buf.writable(rxBuffer(i), BUFFER));
        }
    }

    /** The guest transmits {@code frame} (header + frame in one descriptor) and notifies. */
    void transmit(byte[] frame) {
        int i = txCount++ % 16;
        byte[] packet = new byte[VirtioNetDevice.HEADER_SIZE + frame.length];
        System.arraycopy(frame, 0, packet, VirtioNetDevice.HEADER_SIZE, frame.length);
        memory.put(txBuffer(i), packet);
        driver.post(VirtioNetDevice.TX_QUEUE, Buf.readable(txBuffer(i), packet.length));
        driver.notify(VirtioNetDevice.TX_QUEUE);
    }

    /** The frame in used receive element {@code n}, with the header checked and stripped. */
    byte[] received(int n) {
        int id = driver.usedId(VirtioNetDevice.RX_QUEUE, n);
        int len = driver.usedLen(VirtioNetDevice.RX_QUEUE, n);
        byte[] packet = memory.get(rxBuffer(id), len);
        ByteBuffer header = ByteBuffer.wrap(packet, 0, VirtioNetDevice.HEADER_SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        if (header.getShort(10) != 1) {
            throw new AssertionError("num_buffers must be 1");
        }
        byte[] frame = new byte[len - VirtioNetDevice.HEADER_SIZE];
        System.arraycopy(packet, VirtioNetDevice.HEADER_SIZE, frame, 0, frame.length);
        return frame;
    }

    int rxUsed() {
        return driver.usedIdx(VirtioNetDevice.RX_QUEUE);
    }

    static byte[] frame(int length, int seed) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (seed + i * 7);
        }
        return f;
    }

    static List<byte[]> frames(int count, int length) {
        List<byte[]> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(frame(length, i));
        }
        return list;
    }

    @Override
    public void close() {
        device.close();
        pair.b().close();
    }
}
