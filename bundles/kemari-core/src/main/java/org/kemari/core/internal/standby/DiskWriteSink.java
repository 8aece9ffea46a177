package org.kemari.core.internal.standby;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where the standby applies committed disk writes of replicated storage. The disk interceptor
 * implements it; writes come in epoch order and may be repeated after a failure (they are
 * idempotent: same bytes at the same offset).
 */
public interface DiskWriteSink {

    /** Writes {@code data} (position to limit) to disk {@code diskId} at byte {@code offset}. */
    void write(String diskId, long offset, ByteBuffer data) throws IOException;

    /** Makes the writes so far durable; called after each batch. */
    default void force() throws IOException {
    }
}
