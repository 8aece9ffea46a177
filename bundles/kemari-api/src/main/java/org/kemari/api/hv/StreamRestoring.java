package org.kemari.api.hv;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Optional capability of a {@link HypervisorBackend} whose standby is fed by its own checkpoint
 * stream (see {@link StreamCheckpointing}) instead of {@link HypervisorBackend#restore}.
 */
@ConsumerType
public interface StreamRestoring {

    /**
     * Prepares an empty, paused VM on this node that the stream of {@code spec}'s VM will fill.
     *
     * @throws HypervisorException UNAVAILABLE if the backend is not usable here, INVALID_REQUEST if
     *     the spec cannot be hosted
     */
    StandbyStream openStandby(VmSpec spec) throws HypervisorException;
}
