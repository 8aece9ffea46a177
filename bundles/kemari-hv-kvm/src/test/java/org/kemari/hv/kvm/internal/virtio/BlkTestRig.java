package org.kemari.hv.kvm.internal.virtio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.kemari.hv.kvm.internal.virtio.FakeVirtioDriver.Buf;

/**
 * A virtio-blk device on a temp image with fake memory, events, router and driver. Request k uses
 * header 0x40000 + k*0x10000, data 16 bytes after the header's page, status at the slot's end.
 */
final class BlkTestRig implements AutoCloseable {
    static final int RAM = 4 << 20;

    final Path image;
    final FakeGuestMemory memory = new FakeGuestMemory(RAM);
    final FakeEvents events = new FakeEvents();
    final FakeRouter router = new FakeRouter();
    final VirtioBlkDevice device;
    final FakeVirtioDriver driver;

    BlkTestRig(Path dir, long imageBytes, boolean readOnly) throws IOException {
        this(newImage(dir, imageBytes), readOnly);
    }

    /** A second device on an existing image (a standby on shared storage). */
    BlkTestRig(Path image, boolean readOnly) throws IOException {
        this(image, new FileDiskBackend(image, readOnly));
    }

    /** A device on any backend; {@code image} is the file behind it, for checks (an NBD export's file). */
    BlkTestRig(Path image, DiskBackend backend) {
        this.image = image;
        device = new VirtioBlkDevice("vda", VirtioDevices.slotBase(0), backend, memory, events, router);
        driver = new FakeVirtioDriver(device, memory);
    }

    private static Path newImage(Path dir, long imageBytes) throws IOException {
        Path image = Files.createTempFile(dir, "disk", ".img");
        try (var ch = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1), imageBytes - 1);
        }
        return image;
    }

    static long header(int k) {
        return 0x40000 + k * 0x10000L;
    }

    static long data(int k) {
        return header(k) + 0x1000;
    }

    static long status(int k) {
        return header(k) + 0xff00;
    }

    /** Posts a write of {@code bytes} at {@code sector} in slot {@code k} and notifies; returns the head. */
    int write(int k, long sector, byte[] bytes) {
        putHeader(k, VirtioBlkDevice.T_OUT, sector);
        memory.put(data(k), bytes);
        memory.put(status(k), new byte[] {(byte) 0xff});
        int head = driver.post(0, Buf.readable(header(k), 16), Buf.readable(data(k), bytes.length),
                Buf.writable(status(k), 1));
        driver.notify(0);
        return head;
    }

    /** Posts a read of {@code length} bytes at {@code sector} in slot {@code k} and notifies. */
    int read(int k, long sector, int length) {
        putHeader(k, VirtioBlkDevice.T_IN, sector);
        memory.put(status(k), new byte[] {(byte) 0xff});
        int head = driver.post(0, Buf.readable(header(k), 16), Buf.writable(data(k), length),
                Buf.writable(status(k), 1));
        driver.notify(0);
        return head;
    }

    /** Posts a request with no data (FLUSH, or a type the device does not know). */
    int request(int k, int type) {
        putHeader(k, type, 0);
        memory.put(status(k), new byte[] {(byte) 0xff});
        int head = driver.post(0, Buf.readable(header(k), 16), Buf.writable(status(k), 1));
        driver.notify(0);
        return head;
    }

    void putHeader(int k, int type, long sector) {
        ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(type).putInt(0).putLong(sector);
        memory.put(header(k), h.array());
    }

    int statusOf(int k) {
        return memory.getByte(status(k)) & 0xff;
    }

    byte[] dataOf(int k, int length) {
        return memory.get(data(k), length);
    }

    byte[] fileBytes(long offset, int length) throws IOException {
        byte[] all = Files.readAllBytes(image);
        byte[] part = new byte[length];
        System.arraycopy(all, (int) offset, part, 0, length);
        return part;
    }

    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    @Override
    public void close() {
        device.close();
    }
}
