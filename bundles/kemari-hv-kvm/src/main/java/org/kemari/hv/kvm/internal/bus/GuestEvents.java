package org.kemari.hv.kvm.internal.bus;

/**
 * How a device tells the guest it has put something in guest memory (a received frame, a
 * completion): the test ABI's WAIT doorbell, or an interrupt line for a Linux guest.
 */
public interface GuestEvents {
    void signal();

    /**
     * Whether work a device completes while the vCPU is still in its exit must be signalled too.
     * The test guest re-checks its rings when it resumes, so its doorbell needs no such signal; an
     * interrupt-driven driver does.
     */
    default boolean interruptsOnVcpuExit() {
        return false;
    }
}
