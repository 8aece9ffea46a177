package org.kemari.hv.kvm.internal;

import java.util.concurrent.TimeUnit;

/**
 * The hand-shake between a VM's controller (pause, resume, close) and its vCPU threads. vCPU
 * threads check {@link #stopRequested()} before every KVM_RUN and park here while paused.
 */
final class RunControl {
    private final int vcpuCount;
    private volatile boolean pauseRequested;
    private volatile boolean closing;
    private int parked;
    private int ended;

    RunControl(int vcpuCount, boolean startPaused) {
        this.vcpuCount = vcpuCount;
        this.pauseRequested = startPaused;
    }

    /** Whether vCPUs must leave the guest (fast, lock-free: read before every KVM_RUN and in WAIT). */
    boolean stopRequested() {
        return pauseRequested || closing;
    }

    boolean closing() {
        return closing;
    }

    synchronized void requestPause() {
        pauseRequested = true;
    }

    synchronized void resume() {
        pauseRequested = false;
        notifyAll();
    }

    /** Makes every vCPU thread leave (close, or the guest stopped or failed). */
    synchronized void close() {
        closing = true;
        notifyAll();
    }

    /**
     * Called by a vCPU thread with its pending exit completed: waits while paused.
     *
     * @return false if the thread must end (closing)
     */
    synchronized boolean parkWhilePaused() throws InterruptedException {
        parked++;
        notifyAll();
        try {
            while (pauseRequested && !closing) {
                wait();
            }
        } finally {
            parked--;
        }
        return !closing;
    }

    synchronized void vcpuEnded() {
        ended++;
        notifyAll();
    }

    /**
     * Waits until every vCPU thread is parked or has ended.
     *
     * @return true if all are parked; false if some ended (the VM stopped or failed) or time ran out
     */
    synchronized boolean awaitAllParked(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (parked + ended < vcpuCount) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return ended == 0;
    }

    /** Waits until every vCPU thread has ended; true if they did in time. */
    synchronized boolean awaitAllEnded(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (ended < vcpuCount) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }
}
