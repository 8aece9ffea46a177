package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;
import java.util.Objects;

import org.kemari.api.epoch.RecordType;
import org.kemari.api.epoch.StreamFormatException;

/**
 * Control, standby to primary: the stream is refused and the standby stops reading it, keeping
 * its last committed state. Payload: u16 reason code, u16 the standby's major, u16 its minor,
 * u16 reserved (0), u16 text length, text (UTF-8, for the operator).
 */
public record Refuse(RefuseReason reason, int major, int minor, String text) implements StreamRecord {
    public Refuse {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(text, "text");
    }

    /** The refusal a standby sends for a stream error. */
    public static Refuse of(StreamFormatException e) {
        return new Refuse(RefuseReason.of(e.reason()), org.kemari.api.epoch.StreamVersion.MAJOR,
                org.kemari.api.epoch.StreamVersion.MINOR, String.valueOf(e.getMessage()));
    }

    /** For the primary: the refusal as an exception (format reasons keep theirs; others are MALFORMED). */
    public StreamFormatException toException() {
        StreamFormatException.Reason r = reason.formatReason();
        return new StreamFormatException(r == null ? StreamFormatException.Reason.MALFORMED : r,
                "standby (epoch stream " + major + "." + minor + ") refused the stream: " + reason + ": " + text);
    }

    @Override
    public RecordType type() {
        return RecordType.REFUSE;
    }

    private byte[] textBytes() {
        byte[] b = Wire.utf8(text.length() > 4000 ? text.substring(0, 4000) : text, "refusal text");
        return b;
    }

    @Override
    public int headLength() {
        return 8 + Wire.stringSize(textBytes());
    }

    @Override
    public void writeHead(ByteBuffer dst) {
        dst.putShort((short) reason.code()).putShort((short) major).putShort((short) minor).putShort((short) 0);
        Wire.putString(dst, textBytes());
    }

    static Refuse decode(ByteBuffer p) throws StreamFormatException {
        int code = Wire.u16(p);
        if (code == 0) {
            throw new StreamFormatException(StreamFormatException.Reason.MALFORMED, "refusal with reason code 0");
        }
        int major = Wire.u16(p);
        int minor = Wire.u16(p);
        p.getShort();
        return new Refuse(RefuseReason.ofCode(code), major, minor, Wire.getString(p, "refusal text"));
    }
}
