package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;

import org.kemari.api.epoch.RecordType;
import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.epoch.StreamFormatException.Reason;

/**
 * BACKEND_STREAM: a piece of a backend's own checkpoint stream, opaque to the engine. Payload: the
 * bytes (1 .. 16 MiB). Only in a stream whose header has {@link StreamFormat#HEADER_FLAG_BACKEND_STREAM}.
 *
 * @param data the bytes, position to limit (not copied by the encoder)
 */
public record BackendStreamChunk(ByteBuffer data) implements StreamRecord {
    /** Longest chunk in one record. */
    public static final int MAX_BYTES = 16 << 20;

    public BackendStreamChunk {
        if (!data.hasRemaining() || data.remaining() > MAX_BYTES) {
            throw new IllegalArgumentException("a backend stream chunk has 1.." + MAX_BYTES + " bytes, not " + data.remaining());
        }
    }

    @Override
    public RecordType type() {
        return RecordType.BACKEND_STREAM;
    }

    @Override
    public int headLength() {
        return 0;
    }

    @Override
    public void writeHead(ByteBuffer dst) {
        // no fields: the payload is all data
    }

    @Override
    public ByteBuffer bulk() {
        return data;
    }

    static BackendStreamChunk decode(ByteBuffer p) throws StreamFormatException {
        if (!p.hasRemaining()) {
            throw new StreamFormatException(Reason.MALFORMED, "empty BACKEND_STREAM record");
        }
        ByteBuffer data = p.slice();
        p.position(p.limit());
        return new BackendStreamChunk(data);
    }
}
