package org.kemari.hv.kvm.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

import org.kemari.hv.kvm.internal.bus.GuestEvents;

/**
 * The WAIT port: a vCPU that rang it blocks here until a device {@link #signal() signals} work,
 * the timeout expires, or the VMM wants the vCPU back (pause, close). A signal that arrives while
 * no vCPU waits is remembered, so the next WAIT returns at once (the guest re-checks its devices).
 * A Condition (parkNanos) rather than Object.wait, whose timeouts round up to milliseconds.
 */
final class WaitDoorbell implements GuestEvents {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile boolean pending;

    @Override
    public void signal() {
        lock.lock();
        try {
            pending = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a WAIT now would return at once (a signal is remembered). */
    boolean signalled() {
        return pending;
    }

    /** Wakes waiters so they re-check their stop condition (pause or close requested). */
    void wakeAll() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeoutMicros} (0 = no timeout) for a signal, or until {@code stop} says so. */
    void await(long timeoutMicros, BooleanSupplier stop) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(timeoutMicros);
        lock.lock();
        try {
            while (!pending && !stop.getAsBoolean()) {
                long left = timeoutMicros == 0 ? TimeUnit.SECONDS.toNanos(1) : deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                changed.awaitNanos(Math.min(left, TimeUnit.SECONDS.toNanos(1)));
            }
            pending = false;
        } finally {
            lock.unlock();
        }
    }
}
