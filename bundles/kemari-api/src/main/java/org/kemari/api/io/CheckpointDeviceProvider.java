package org.kemari.api.io;

import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Makes checkpoint devices for protected VMs: an I/O interceptor registers one of these as a DS
 * service. The engine asks every provider in order of service ranking (highest first; equal
 * ranking: lowest service id) when protection of a VM starts.
 */
@ConsumerType
public interface CheckpointDeviceProvider {

    /** A short name for logs ({@code disk}, {@code net}). */
    String name();

    /**
     * Sets up interception for one VM.
     *
     * @return the VM's device, or empty if this provider has nothing to do for this VM ("not mine")
     * @throws CheckpointDeviceException if interception is needed but cannot be set up
     */
    Optional<CheckpointDevice> setup(CheckpointContext context) throws CheckpointDeviceException;
}
