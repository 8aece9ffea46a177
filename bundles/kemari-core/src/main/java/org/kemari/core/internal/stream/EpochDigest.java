package org.kemari.core.internal.stream;

import java.util.zip.CRC32C;

/**
 * The epoch CRC carried by EPOCH_END: CRC32C over the little-endian u32 CRCs of the epoch's
 * records, EPOCH_BEGIN first, up to the record before EPOCH_END. Each record's own CRC already
 * covers its bytes, so this chains them: a record lost, repeated, reordered or moved between
 * epochs changes the digest, at the cost of 4 bytes hashed per record instead of every byte twice.
 */
public final class EpochDigest {
    private final CRC32C crc = new CRC32C();
    private final byte[] word = new byte[4];
    private long records;

    public void add(int recordCrc) {
        word[0] = (byte) recordCrc;
        word[1] = (byte) (recordCrc >>> 8);
        word[2] = (byte) (recordCrc >>> 16);
        word[3] = (byte) (recordCrc >>> 24);
        crc.update(word, 0, 4);
        records++;
    }

    /** Records added, EPOCH_BEGIN included. */
    public long records() {
        return records;
    }

    public int value() {
        return (int) crc.getValue();
    }

    public void reset() {
        crc.reset();
        records = 0;
    }
}
