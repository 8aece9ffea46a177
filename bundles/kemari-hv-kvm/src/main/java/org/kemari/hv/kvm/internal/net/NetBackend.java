package org.kemari.hv.kvm.internal.net;

import java.io.IOException;

/**
 * The host side of a virtual NIC: where the guest's frames go and received frames come from.
 * Implementations: {@link TapNetBackend} (a Linux TAP device), {@link NullNetBackend}
 * ({@code none}), and {@link InProcessNetPair} endpoints for tests. Open one from a NIC's
 * backend string with {@link NetBackends#open(String)}.
 */
public interface NetBackend extends AutoCloseable {

    /** Sends one Ethernet frame (no virtio header). Thread-safe. */
    void send(byte[] frame) throws IOException;

    /**
     * Sets where received frames go, or null to stop delivery. Frames that arrive while there is
     * no receiver are dropped and counted.
     */
    void setReceiver(FrameReceiver receiver);

    /** Frames this backend dropped: sent to {@code none}, or received with no receiver. */
    long droppedFrames();

    /** For logs, e.g. {@code tap:kemari0}. */
    String describe();

    /** Stops the backend's threads and releases its file descriptors. Idempotent; never throws. */
    @Override
    void close();
}
