package org.kemari.api.io;

import org.osgi.annotation.versioning.ProviderType;

/**
 * An output a device model wants to perform, not yet visible outside the VM. Exactly one of
 * {@link #release()} or {@link #discard()} is called, once.
 */
@ProviderType
public interface PendingOutput {

    OutputKind kind();

    /** The device it comes from (the disk or NIC id of the VM spec). */
    String deviceId();

    /** Payload size in bytes (for accounting). */
    int size();

    /**
     * Performs the output now: writes the data, sends the frame, and completes the guest's
     * request where the device completes on release.
     *
     * @throws java.io.IOException if the host-side write or send failed; the device reports the
     *     failure to the guest as its device would
     */
    void release() throws java.io.IOException;

    /**
     * Drops the output without performing it (the VM is being torn down or has failed over);
     * the guest's request stays pending in its state, which is where a standby re-issues it.
     */
    void discard();
}
