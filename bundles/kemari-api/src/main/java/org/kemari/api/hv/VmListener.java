package org.kemari.api.hv;

import org.osgi.annotation.versioning.ConsumerType;

/** Observes a {@link Vm}. Called on backend threads: return quickly and never block. */
@ConsumerType
public interface VmListener {

    /** The VM changed state; {@code reason} says why (e.g. the guest's failure). */
    default void stateChanged(Vm vm, VmState from, VmState to, String reason) {
    }

    /** The guest wrote a line on its console. */
    default void consoleLine(Vm vm, String line) {
    }
}
