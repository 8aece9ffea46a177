package org.kemari.api.hv;

/** The life-cycle state of a {@link Vm}. */
public enum VmState {
    /** Built but never run (e.g. restored from state and not yet resumed). */
    CREATED,
    /** vCPUs are running guest code. */
    RUNNING,
    /** vCPUs are stopped at an instruction boundary; memory and state can be read consistently. */
    PAUSED,
    /** Stopped on request or because the guest finished; resources released. */
    STOPPED,
    /** The guest or the host failed; {@link Vm#failureReason()} says why. */
    FAILED;

    /** Whether the VM can never run again. */
    public boolean isTerminal() {
        return this == STOPPED || this == FAILED;
    }
}
