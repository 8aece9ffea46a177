package org.kemari.hv.kvm.internal.virtio;

import java.util.concurrent.atomic.AtomicInteger;

import org.kemari.hv.kvm.internal.bus.GuestEvents;

/** Counts the wake-ups a device sends the guest. */
final class FakeEvents implements GuestEvents {
    final AtomicInteger signals = new AtomicInteger();

    @Override
    public void signal() {
        signals.incrementAndGet();
    }
}
