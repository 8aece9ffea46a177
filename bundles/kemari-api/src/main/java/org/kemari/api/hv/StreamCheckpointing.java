package org.kemari.api.hv;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Optional capability of a {@link Vm} whose backend writes its own checkpoint stream (e.g. Xen's
 * libxenguest in REMUS mode). When a VM offers it, the engine uses it instead of its own pre-copy
 * and per-epoch capture ({@link Vm#pause()}, {@link Vm#fetchAndClearDirtyPages()},
 * {@link Vm#captureState()}): the backend's bytes travel opaque inside the engine's epochs, and
 * the engine keeps the output gate, acknowledgements, heartbeats and failover.
 *
 * <p>Epoch {@code n} is the backend's stream from the end of checkpoint {@code n - 1} up to and
 * including its checkpoint {@code n}; epoch 0 is the initial copy. The standby side is
 * {@link StreamRestoring}.
 */
@ConsumerType
public interface StreamCheckpointing {

    /**
     * Runs the checkpoint stream on the calling thread until {@code sink} asks to stop (returns
     * normally, the VM running on) or the stream fails (throws). For each epoch {@code n} = 0, 1, ...
     * the backend calls {@link CheckpointStreamSink#write} with the epoch's bytes, in order, then
     * {@link CheckpointStreamSink#suspended} while the VM is stopped for the checkpoint, then, once
     * every byte up to the checkpoint has been written, {@link CheckpointStreamSink#checkpointWritten}.
     * The VM must be running when this returns or throws.
     *
     * @throws HypervisorException the stream could not be started or failed
     */
    void streamCheckpoints(CheckpointStreamSink sink) throws HypervisorException;
}
