package org.kemari.api.io;

import org.kemari.api.hv.Vm;
import org.osgi.annotation.versioning.ProviderType;

/** What the engine gives a {@link CheckpointDevice} for one protected VM. */
@ProviderType
public interface CheckpointContext {

    /** The protected VM. */
    Vm vm();

    /**
     * Asks for an epoch because output is waiting (the event that drives Kemari's checkpoints).
     * Cheap and non-blocking; several requests before the next epoch coalesce into one.
     */
    void requestCheckpoint();

    /** The last epoch the standby has committed, or -1 before the first. */
    long committedEpoch();
}
