package org.kemari.core.internal.stream;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.epoch.StreamFormatException.Reason;

/** Field helpers shared by the record classes: strings are u16 byte length + UTF-8. */
public final class Wire {
    /** Longest string field in bytes. */
    public static final int MAX_STRING_BYTES = 0xFFFF;

    private Wire() {
    }

    public static byte[] utf8(String s, String what) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_STRING_BYTES) {
            throw new IllegalArgumentException(what + " is longer than " + MAX_STRING_BYTES + " bytes");
        }
        return b;
    }

    /** Bytes a string field takes on the wire. */
    public static int stringSize(byte[] utf8) {
        return 2 + utf8.length;
    }

    public static void putString(ByteBuffer dst, byte[] utf8) {
        dst.putShort((short) utf8.length).put(utf8);
    }

    public static String getString(ByteBuffer src, String what) throws StreamFormatException {
        int len = u16(src);
        return decodeUtf8(src, len, what);
    }

    /** Reads {@code len} bytes as strict UTF-8 (a corrupt string is refused, not replaced by '?'). */
    public static String decodeUtf8(ByteBuffer src, int len, String what) throws StreamFormatException {
        if (len > src.remaining()) {
            throw new StreamFormatException(Reason.MALFORMED,
                    what + " claims " + len + " bytes but only " + src.remaining() + " remain in the record");
        }
        ByteBuffer slice = src.slice(src.position(), len);
        src.position(src.position() + len);
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(slice);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new StreamFormatException(Reason.MALFORMED, what + " is not valid UTF-8", e);
        }
    }

    public static int u16(ByteBuffer src) {
        return Short.toUnsignedInt(src.getShort());
    }

    public static long u32(ByteBuffer src) {
        return Integer.toUnsignedLong(src.getInt());
    }

    /** A u32 that must fit an int (lengths, counts). */
    public static int u32AsInt(ByteBuffer src, String what) throws StreamFormatException {
        long v = u32(src);
        if (v > Integer.MAX_VALUE) {
            throw new StreamFormatException(Reason.MALFORMED, what + " " + v + " is out of range");
        }
        return (int) v;
    }

    /** Turns a short payload into a MALFORMED error naming the record. */
    public static StreamFormatException tooShort(String record, BufferUnderflowException e) {
        return new StreamFormatException(Reason.MALFORMED, record + " record payload is too short", e);
    }

    public static String hex(int crc) {
        return String.format("0x%08x", crc);
    }
}
