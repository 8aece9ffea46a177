/**
 * I/O interception: how externally visible output is held until the standby has the state
 * that produced it, and the checkpoint-device life cycle the engine drives every epoch.
 *
 * <p>A backend's device models hand each output to an {@link org.kemari.api.io.OutputGate} as a
 * {@link org.kemari.api.io.PendingOutput}. Interceptors register
 * {@link org.kemari.api.io.CheckpointDeviceProvider}s: the engine offers each protected VM to every
 * provider in order of service ranking (highest first; equal ranking: lowest service id); a
 * provider that answers "not mine" is skipped, the others each give a per-VM
 * {@link org.kemari.api.io.CheckpointDevice}.
 */
@org.osgi.annotation.versioning.Version("1.2.0")
package org.kemari.api.io;
