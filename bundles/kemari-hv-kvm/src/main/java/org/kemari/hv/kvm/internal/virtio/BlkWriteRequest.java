package org.kemari.hv.kvm.internal.virtio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

import org.kemari.api.io.DiskWriteOutput;
import org.kemari.api.io.OutputKind;

/**
 * A guest disk write (virtio-blk OUT) in flight: an output that writes the copied data to the
 * disk and completes the guest's request when released. Discarding leaves the request pending
 * in the device's state, where a standby re-issues it.
 */
final class BlkWriteRequest implements DiskWriteOutput {
    private final VirtioBlkDevice device;
    private final int head;
    private final long statusAddr;
    private final long offset;
    private final byte[] data;
    private final AtomicBoolean settled = new AtomicBoolean();
    private byte status = VirtioBlkDevice.S_OK;

    BlkWriteRequest(VirtioBlkDevice device, int head, long statusAddr, long offset, byte[] data) {
        this.device = device;
        this.head = head;
        this.statusAddr = statusAddr;
        this.offset = offset;
        this.data = data;
    }

    int head() {
        return head;
    }

    long statusAddr() {
        return statusAddr;
    }

    /** The virtio-blk status of the completed write. */
    byte status() {
        return status;
    }

    @Override
    public OutputKind kind() {
        return OutputKind.DISK_WRITE;
    }

    @Override
    public String deviceId() {
        return device.id();
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public ByteBuffer data() {
        return ByteBuffer.wrap(data).asReadOnlyBuffer();
    }

    @Override
    public int size() {
        return data.length;
    }

    @Override
    public void release() throws IOException {
        settle("release");
        try {
            device.disk().write(offset, ByteBuffer.wrap(data));
        } catch (IOException e) {
            status = VirtioBlkDevice.S_IOERR;
            device.writeDone(this);
            throw new IOException(device.id() + ": disk write of " + data.length + " bytes at offset " + offset
                    + " failed: " + e.getMessage(), e);
        }
        device.writeDone(this);
    }

    @Override
    public void discard() {
        settle("discard");
    }

    private void settle(String how) {
        if (!settled.compareAndSet(false, true)) {
            throw new IllegalStateException(device.id() + ": disk write at head " + head + " already released or discarded; "
                    + how + " refused");
        }
    }

    @Override
    public String toString() {
        return "disk write " + device.id() + "[head " + head + ", " + data.length + " bytes at " + offset + "]";
    }
}
