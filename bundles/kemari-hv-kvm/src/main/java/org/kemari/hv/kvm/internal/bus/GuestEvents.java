package org.kemari.hv.kvm.internal.bus;

/**
 * Wakes a guest that rang the WAIT doorbell: device models call {@link #signal()} when they have
 * put something in guest memory for the guest (a received frame, a late completion).
 */
public interface GuestEvents {
    void signal();
}
