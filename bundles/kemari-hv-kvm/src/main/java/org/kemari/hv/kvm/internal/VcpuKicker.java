package org.kemari.hv.kvm.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import org.kemari.api.hv.HypervisorException;
import org.kemari.hv.kvm.internal.sys.LibC;

/**
 * Gets a vCPU thread out of KVM_RUN without a native signal handler: the thread blocks
 * {@link #KICK_SIGNAL}; KVM_SET_SIGNAL_MASK unblocks it only while inside KVM_RUN, so a pending
 * kick makes KVM_RUN return EINTR; the thread then consumes the signal with sigtimedwait. Combined
 * with {@code immediate_exit} (set before the signal) there is no window in which a kick is lost.
 */
final class VcpuKicker {
    /**
     * SIGRTMIN+6 (glibc's SIGRTMIN is 34; 32 and 33 are glibc's own). HotSpot uses none of the
     * real-time signals; the signal is only ever thread-directed and blocked outside KVM_RUN, so
     * its default action (terminate) can never happen.
     */
    static final int KICK_SIGNAL = 40;

    private final Memory kickSet = new Memory(LibC.SIGSET_T_SIZE);
    private final Memory zeroTimeout = new Memory(LibC.TIMESPEC_SIZE);
    private long thread;
    private boolean alive;

    VcpuKicker() {
        kickSet.clear();
        kickSet.setByte((KICK_SIGNAL - 1) / 8, (byte) (1 << ((KICK_SIGNAL - 1) % 8)));
        zeroTimeout.clear();
    }

    /** On the vCPU thread, before the first KVM_RUN: block the kick signal here, allow it inside KVM_RUN. */
    void attachCurrentThread(KvmVcpuFd vcpu) throws HypervisorException {
        Memory old = new Memory(LibC.SIGSET_T_SIZE);
        old.clear();
        int err = LibC.pthread_sigmask(LibC.SIG_BLOCK, Pointer.nativeValue(kickSet), Pointer.nativeValue(old));
        if (err != 0) {
            throw Errno.failure("pthread_sigmask", err);
        }
        long runMask = old.getLong(0) & ~(1L << (KICK_SIGNAL - 1));
        vcpu.setSignalMask(runMask);
        synchronized (this) {
            thread = LibC.pthread_self();
            alive = true;
        }
    }

    /** On the vCPU thread when it ends: no more kicks may be sent (its pthread id becomes invalid). */
    synchronized void detachCurrentThread() {
        alive = false;
        drain();
    }

    /** From any thread: interrupts KVM_RUN on the vCPU thread, if it is alive. */
    synchronized void kick() {
        if (alive) {
            LibC.pthread_kill(thread, KICK_SIGNAL);
        }
    }

    /** On the vCPU thread: consumes pending kicks so the next KVM_RUN runs. */
    void drain() {
        while (LibC.sigtimedwait(Pointer.nativeValue(kickSet), 0, Pointer.nativeValue(zeroTimeout)) == KICK_SIGNAL) {
            // real-time signals queue: consume them all
        }
    }
}
