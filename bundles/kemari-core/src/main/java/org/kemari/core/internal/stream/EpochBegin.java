package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;

import org.kemari.api.epoch.RecordType;
import org.kemari.api.epoch.StreamFormatException;

/**
 * Opens an epoch. Payload (24 bytes): u64 epoch, u64 expected page count, u32 expected record
 * count (records between this and EPOCH_END), u32 reserved (0). A count the writer cannot know in
 * advance (epoch 0's pre-copy rounds) is all ones ({@link StreamFormat#UNKNOWN_COUNT}).
 */
public record EpochBegin(long epoch, long expectedPages, long expectedRecords) implements StreamRecord {
    static final int LENGTH = 24;

    public EpochBegin {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must not be negative: " + epoch);
        }
    }

    @Override
    public RecordType type() {
        return RecordType.EPOCH_BEGIN;
    }

    @Override
    public int headLength() {
        return LENGTH;
    }

    @Override
    public void writeHead(ByteBuffer dst) {
        dst.putLong(epoch).putLong(expectedPages)
                .putInt(expectedRecords == StreamFormat.UNKNOWN_COUNT ? -1 : (int) expectedRecords)
                .putInt(0);
    }

    public boolean pagesKnown() {
        return expectedPages != StreamFormat.UNKNOWN_COUNT;
    }

    public boolean recordsKnown() {
        return expectedRecords != StreamFormat.UNKNOWN_COUNT;
    }

    static EpochBegin decode(ByteBuffer p) throws StreamFormatException {
        long epoch = p.getLong();
        if (epoch < 0) {
            throw new StreamFormatException(StreamFormatException.Reason.MALFORMED, "EPOCH_BEGIN with epoch number "
                    + Long.toUnsignedString(epoch) + " (epoch numbers stop at 2^63 - 1)");
        }
        long pages = p.getLong();
        int records = p.getInt();
        p.getInt();
        return new EpochBegin(epoch, pages, records == -1 ? StreamFormat.UNKNOWN_COUNT : Integer.toUnsignedLong(records));
    }
}
