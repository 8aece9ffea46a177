package org.kemari.api.hv;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The standby's end of a backend checkpoint stream: the engine passes on the bytes of each epoch
 * it has received whole and checked, asks when the backend has applied it (only then is the epoch
 * acknowledged), and at failover turns the last applied checkpoint into a VM.
 */
@ConsumerType
public interface StandbyStream extends AutoCloseable {

    /**
     * The next bytes of the stream, in order. May block while the backend catches up.
     *
     * @throws IOException the backend cannot take them (its restore failed)
     */
    void write(ByteBuffer bytes) throws IOException;

    /**
     * Blocks until the backend has applied checkpoint {@code epoch} (all of its bytes were written):
     * a failover now would run that checkpoint or a later one.
     *
     * @return false if the time ran out first
     * @throws IOException the backend's restore failed
     */
    boolean awaitApplied(long epoch, long timeoutMillis) throws IOException, InterruptedException;

    /**
     * Failover: ends the stream (the primary is gone) and returns the VM built from the last
     * applied checkpoint, paused; {@link Vm#resume()} runs it.
     *
     * @throws HypervisorException if no checkpoint was applied or the VM cannot be built
     */
    Vm takeOver() throws HypervisorException;

    /** Discards the standby VM (protection ended, or the stream was refused). Idempotent; never throws. */
    @Override
    void close();
}
