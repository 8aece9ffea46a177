package org.kemari.api.hv;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Where a {@link StreamCheckpointing} backend writes its stream: the engine's open epoch. Calls
 * come from the backend's threads, one at a time, in stream order.
 */
@ProviderType
public interface CheckpointStreamSink {

    /**
     * The next bytes of the stream, part of the open epoch. The buffer is read from its position
     * to its limit before this returns and is not kept.
     *
     * @throws IOException the engine cannot take more (link lost, protection ending): the backend
     *     ends its stream and returns
     */
    void write(ByteBuffer bytes) throws IOException;

    /**
     * The VM is stopped for checkpoint {@code epoch}: output it produces from now on belongs to the
     * next epoch. Called on the backend's thread while the VM is stopped; returns quickly.
     */
    void suspended(long epoch);

    /**
     * Every byte of epoch {@code epoch} has been passed to {@link #write}: the engine ends the epoch
     * and blocks until the next checkpoint is wanted (by default: after the standby acknowledged
     * this one and the VM produced new output).
     *
     * @return true to take checkpoint {@code epoch + 1}, false to end the stream (protection ends)
     */
    boolean checkpointWritten(long epoch) throws InterruptedException;
}
