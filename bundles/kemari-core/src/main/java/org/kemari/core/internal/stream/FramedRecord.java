package org.kemari.core.internal.stream;

/**
 * A record as read from a frame: its wire type code and flags, its CRC (for the epoch digest) and
 * its decoded body, or a null body for a record of an unknown type flagged skippable.
 */
public record FramedRecord(int typeCode, int flags, int crc, StreamRecord body) {
    public boolean skipped() {
        return body == null;
    }

    @Override
    public String toString() {
        return body == null ? "skipped record type " + typeCode : body.type().toString();
    }
}
