package org.kemari.api.epoch;

import java.util.Objects;

/** The epoch stream is not what the format says: the standby rejects it and keeps its last committed state. */
public class StreamFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the stream. */
    public enum Reason {
        /** The stream does not start with the Kemari magic. */
        BAD_MAGIC,
        /** The peer's format version cannot be read here. */
        UNSUPPORTED_VERSION,
        /** A record's or an epoch's checksum does not match. */
        BAD_CHECKSUM,
        /** The stream ended inside a record or an epoch. */
        TRUNCATED,
        /** An epoch arrived out of order (a gap or a repeat). */
        OUT_OF_ORDER,
        /** A record type this version does not know. */
        UNKNOWN_RECORD,
        /** A record's contents are inconsistent (lengths, page ranges). */
        MALFORMED
    }

    private final Reason reason;

    public StreamFormatException(Reason reason, String message) {
        this(reason, message, null);
    }

    public StreamFormatException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
