package org.kemari.core.internal.standby;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where the standby passes a backend's own checkpoint stream (BACKEND_STREAM records): epoch 0's
 * bytes as they arrive (the backend keeps the initial copy invisible until its first checkpoint),
 * every later epoch's bytes only once the epoch has arrived whole and its EPOCH_END checked out.
 */
public interface BackendStreamTarget {
    /** The next bytes, in stream order; not kept after the call returns. */
    void write(ByteBuffer bytes) throws IOException;
}
