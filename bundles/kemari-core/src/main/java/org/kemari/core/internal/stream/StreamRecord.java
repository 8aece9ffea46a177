package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;

import org.kemari.api.epoch.RecordType;

/**
 * One typed record of the epoch stream or of the control channel. A payload is a small
 * <em>head</em> (fields, copied into the record's header buffer) optionally followed by a
 * <em>bulk</em> part (page or disk data) that the encoder passes on without copying.
 */
public sealed interface StreamRecord
        permits EpochBegin, PageRun, StateEntry, DiskWrite, VmSpecRecord, EpochEnd, EndOfProtection, BackendStreamChunk, Ack, Refuse, Fence {

    RecordType type();

    /** Bytes {@link #writeHead} writes. */
    int headLength();

    /** Writes the payload's head fields at {@code dst}'s position (little-endian). */
    void writeHead(ByteBuffer dst);

    /** The payload's bulk part, or null; its position and limit are left alone. */
    default ByteBuffer bulk() {
        return null;
    }

    /** The whole payload length. */
    default int payloadLength() {
        ByteBuffer bulk = bulk();
        return headLength() + (bulk == null ? 0 : bulk.remaining());
    }
}
