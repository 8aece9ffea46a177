package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;

import org.kemari.api.epoch.RecordType;

/**
 * Closes an epoch. Payload (24 bytes): u64 epoch, u64 page count, u32 record count (records
 * between EPOCH_BEGIN and this one), u32 epoch CRC (see {@link EpochDigest}).
 */
public record EpochEnd(long epoch, long pageCount, long recordCount, int epochCrc) implements StreamRecord {
    static final int LENGTH = 24;

    @Override
    public RecordType type() {
        return RecordType.EPOCH_END;
    }

    @Override
    public int headLength() {
        return LENGTH;
    }

    @Override
    public void writeHead(ByteBuffer dst) {
        dst.putLong(epoch).putLong(pageCount).putInt((int) recordCount).putInt(epochCrc);
    }

    static EpochEnd decode(ByteBuffer p) {
        return new EpochEnd(p.getLong(), p.getLong(), Wire.u32(p), p.getInt());
    }
}
