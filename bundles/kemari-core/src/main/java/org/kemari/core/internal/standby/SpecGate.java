package org.kemari.core.internal.standby;

import org.kemari.api.hv.VmSpec;

/**
 * Decides, the moment a stream's VM_SPEC arrives and before anything of epoch 0 is taken, whether
 * this standby takes the VM (limits on what a peer may claim, name in use, backend installed).
 */
@FunctionalInterface
public interface SpecGate {
    /** Takes every VM. */
    SpecGate ANY = (backend, spec) -> { };

    /** @throws StandbyRefusal the VM is refused; the stream ends with a REFUSE of its reason */
    void admit(String backend, VmSpec spec) throws StandbyRefusal;
}
