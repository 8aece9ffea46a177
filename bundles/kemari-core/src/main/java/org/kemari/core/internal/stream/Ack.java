package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;

import org.kemari.api.epoch.RecordType;

/** Control, standby to primary: epoch {@code epoch} is committed. Payload: u64 epoch. */
public record Ack(long epoch) implements StreamRecord {
    @Override
    public RecordType type() {
        return RecordType.ACK;
    }

    @Override
    public int headLength() {
        return 8;
    }

    @Override
    public void writeHead(ByteBuffer dst) {
        dst.putLong(epoch);
    }

    static Ack decode(ByteBuffer p) {
        return new Ack(p.getLong());
    }
}
