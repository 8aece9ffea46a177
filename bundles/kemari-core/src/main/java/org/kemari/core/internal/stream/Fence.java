package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;

import org.kemari.api.epoch.RecordType;

/**
 * Control, standby to primary: the standby takes the VM over from epoch {@code epoch}; the
 * primary stops its copy without releasing anything more. Payload: u64 epoch.
 */
public record Fence(long epoch) implements StreamRecord {
    @Override
    public RecordType type() {
        return RecordType.FENCE;
    }

    @Override
    public int headLength() {
        return 8;
    }

    @Override
    public void writeHead(ByteBuffer dst) {
        dst.putLong(epoch);
    }

    static Fence decode(ByteBuffer p) {
        return new Fence(p.getLong());
    }
}
