package org.kemari.hv.kvm.internal.net;

/** Takes the Ethernet frames a {@link NetBackend} receives from the network. */
@FunctionalInterface
public interface FrameReceiver {

    /**
     * One received frame (no virtio header), owned by the receiver from now on. Called on the
     * backend's own thread; must not block for long.
     */
    void receive(byte[] frame);
}
