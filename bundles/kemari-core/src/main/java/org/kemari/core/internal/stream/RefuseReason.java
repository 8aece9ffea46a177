package org.kemari.core.internal.stream;

import org.kemari.api.epoch.StreamFormatException;

/** Why a standby refused a stream, as a u16 code in {@link Refuse}; 0 is invalid. */
public enum RefuseReason {
    BAD_MAGIC(1),
    UNSUPPORTED_VERSION(2),
    BAD_CHECKSUM(3),
    TRUNCATED(4),
    OUT_OF_ORDER(5),
    UNKNOWN_RECORD(6),
    MALFORMED(7),
    /** The standby protects another VM. */
    WRONG_VM(8),
    /** The standby failed locally (e.g. could not create its memory image). */
    STANDBY_FAILURE(9),
    /** A code this node does not know (sent by a newer peer). */
    OTHER(0xFFFF);

    private final int code;

    RefuseReason(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The reason of a code; unknown codes become {@link #OTHER} (the text still explains). */
    public static RefuseReason ofCode(int code) {
        for (RefuseReason r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        return OTHER;
    }

    public static RefuseReason of(StreamFormatException.Reason reason) {
        return valueOf(reason.name());
    }

    /** The stream format reason this refusal stands for, or null if it is not a format problem. */
    public StreamFormatException.Reason formatReason() {
        for (StreamFormatException.Reason r : StreamFormatException.Reason.values()) {
            if (r.name().equals(name())) {
                return r;
            }
        }
        return null;
    }
}
