package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;

import org.kemari.api.epoch.RecordType;

/**
 * The primary ends protection on purpose; the standby discards its copy instead of taking over
 * when the link closes. Payload: u64 the last epoch the primary sent (-1 if none).
 */
public record EndOfProtection(long lastEpoch) implements StreamRecord {
    @Override
    public RecordType type() {
        return RecordType.END_OF_PROTECTION;
    }

    @Override
    public int headLength() {
        return 8;
    }

    @Override
    public void writeHead(ByteBuffer dst) {
        dst.putLong(lastEpoch);
    }

    static EndOfProtection decode(ByteBuffer p) {
        return new EndOfProtection(p.getLong());
    }
}
