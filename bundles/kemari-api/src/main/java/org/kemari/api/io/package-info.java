/**
 * I/O interception: how externally visible output is held until the standby has the state
 * that produced it, and the checkpoint-device life cycle the engine drives every epoch.
 *
 * <p>A backend's device models hand each output to an {@link org.kemari.api.io.OutputGate} as a
 * {@link org.kemari.api.io.PendingOutput}. Interceptors are
 * {@link org.kemari.api.io.CheckpointDevice}s: the engine offers each protected VM to every
 * registered checkpoint device in order of service ranking (highest first; equal ranking: lowest
 * service id); a device that answers "not mine" from {@code setup} is skipped.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package org.kemari.api.io;
