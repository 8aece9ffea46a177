package org.kemari.api.io;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives a VM's outputs. An unprotected VM has no gate and releases outputs at once; a
 * protected VM's gate holds each output until the epoch that contains the state that produced
 * it has been committed by the standby.
 */
@ConsumerType
public interface OutputGate {

    /** Takes charge of {@code output}; must not block the vCPU thread for long. */
    void submit(PendingOutput output);
}
