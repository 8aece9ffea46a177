package org.kemari.hv.kvm.internal.net;

import java.util.concurrent.atomic.AtomicLong;

/** The {@code none} backend: a NIC with no cable. Sent frames are dropped and counted; nothing is received. */
public final class NullNetBackend implements NetBackend {
    private final AtomicLong dropped = new AtomicLong();

    @Override
    public void send(byte[] frame) {
        dropped.incrementAndGet();
    }

    @Override
    public void setReceiver(FrameReceiver receiver) {
        // Nothing is ever received.
    }

    @Override
    public long droppedFrames() {
        return dropped.get();
    }

    @Override
    public String describe() {
        return "none";
    }

    @Override
    public void close() {
    }
}
