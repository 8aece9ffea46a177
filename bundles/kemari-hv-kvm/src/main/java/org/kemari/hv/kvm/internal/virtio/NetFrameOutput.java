package org.kemari.hv.kvm.internal.virtio;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.kemari.api.io.OutputKind;
import org.kemari.api.io.PendingOutput;
import org.kemari.hv.kvm.internal.net.NetBackend;

/** A frame the guest transmitted (copied out of its buffer), sent to the NIC's backend on release. */
final class NetFrameOutput implements PendingOutput {
    private final String deviceId;
    private final NetBackend backend;
    private final byte[] frame;
    private final AtomicBoolean settled = new AtomicBoolean();

    NetFrameOutput(String deviceId, NetBackend backend, byte[] frame) {
        this.deviceId = deviceId;
        this.backend = backend;
        this.frame = frame;
    }

    @Override
    public OutputKind kind() {
        return OutputKind.NET_FRAME;
    }

    @Override
    public String deviceId() {
        return deviceId;
    }

    @Override
    public int size() {
        return frame.length;
    }

    @Override
    public void release() throws IOException {
        settle("release");
        backend.send(frame);
    }

    @Override
    public void discard() {
        settle("discard");
    }

    private void settle(String how) {
        if (!settled.compareAndSet(false, true)) {
            throw new IllegalStateException(deviceId + ": frame already released or discarded; " + how + " refused");
        }
    }

    @Override
    public String toString() {
        return "frame " + deviceId + "[" + frame.length + " bytes]";
    }
}
