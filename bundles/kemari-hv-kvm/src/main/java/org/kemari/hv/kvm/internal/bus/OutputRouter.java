package org.kemari.hv.kvm.internal.bus;

import org.kemari.api.io.PendingOutput;

/**
 * Where device models hand their externally visible outputs. The VM routes them to the current
 * {@link org.kemari.api.io.OutputGate}, or releases them at once when the VM is unprotected.
 */
public interface OutputRouter {
    void submit(PendingOutput output);
}
