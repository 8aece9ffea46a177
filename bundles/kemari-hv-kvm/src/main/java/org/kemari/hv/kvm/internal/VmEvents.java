package org.kemari.hv.kvm.internal;

/** What a vCPU thread tells its VM: guest milestones and the end of the run. */
interface VmEvents {
    /** The guest rang REPORT with its status sequence; called on the vCPU thread, guest stopped at the exit. */
    void guestReport(int vcpu, long sequence);

    /** The guest finished on purpose (EXIT port, HLT); the VM becomes STOPPED. */
    void guestStopped(String reason);

    /** The guest or KVM failed (PANIC, triple fault, internal error); the VM becomes FAILED. */
    void guestFailed(String reason);
}
