package org.kemari.core.internal.engine;

import java.util.List;

import org.kemari.api.io.CheckpointDeviceProvider;
import org.kemari.api.policy.CheckpointPolicy;
import org.kemari.api.transport.Transport;

/**
 * The swappable services a protection session uses, looked up again whenever they are needed
 * (the checkpoint policy before every epoch, the transport at every connection), so a service
 * swapped while a VM is protected takes effect at the next epoch or connection.
 */
interface SessionServices {

    /** The transport to use now, or null if none is available. */
    Transport transport();

    /** The checkpoint policy to use now, or null if none is available. */
    CheckpointPolicy checkpointPolicy();

    /** The checkpoint device providers, highest ranking first. */
    List<CheckpointDeviceProvider> deviceProviders();

    /** Who watches epochs go by; nobody by default. */
    default EpochObserver epochObserver() {
        return EpochObserver.NONE;
    }
}
