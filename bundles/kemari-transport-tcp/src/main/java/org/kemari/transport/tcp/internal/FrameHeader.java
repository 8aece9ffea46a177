package org.kemari.transport.tcp.internal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The 16-byte frame header (big-endian), see docs/specs/replication-link.md:
 * <pre>
 *  0  u32  payload length
 *  4  u8   kind (1 DATA, 2 HEARTBEAT, 3 CLOSE; 0 invalid)
 *  5  u8   flags (0)
 *  6  u16  reserved (0)
 *  8  u32  CRC32C of the payload
 * 12  u32  CRC32C of bytes 0..11
 * </pre>
 * The header checksum is checked before the length is trusted, so a corrupted length can
 * neither make the receiver wait for bytes that never come nor allocate a huge buffer.
 */
record FrameHeader(FrameKind kind, int length, int payloadCrc) {

    static final int SIZE = 16;

    /** Writes this header at the buffer's position (advancing it). */
    void encode(ByteBuffer out) {
        int start = out.position();
        out.putInt(length).put(kind.code).put((byte) 0).putShort((short) 0).putInt(payloadCrc);
        out.putInt(crcOf(out, start, 12));
    }

    /** A header for a control frame (empty payload). */
    static FrameHeader control(FrameKind kind) {
        return new FrameHeader(kind, 0, (int) new CRC32C().getValue());
    }

    /** A header as a fresh buffer ready for writing to a channel. */
    ByteBuffer toBuffer() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        encode(b);
        return b.flip();
    }

    /**
     * Parses and checks a header at the buffer's position (advancing it by {@link #SIZE}).
     *
     * @param maxLength the largest payload this side accepts
     */
    static FrameHeader decode(ByteBuffer in, int maxLength) throws FramingException {
        int start = in.position();
        int expected = crcOf(in, start, 12);
        int length = in.getInt(start);
        byte code = in.get(start + 4);
        byte flags = in.get(start + 5);
        short reserved = in.getShort(start + 6);
        int payloadCrc = in.getInt(start + 8);
        int headerCrc = in.getInt(start + 12);
        in.position(start + SIZE);
        if (headerCrc != expected) {
            throw new FramingException(String.format(
                    "frame header checksum mismatch (got 0x%08x, computed 0x%08x)", headerCrc, expected));
        }
        FrameKind kind = FrameKind.of(code);
        if (kind == null) {
            throw new FramingException("unknown frame kind " + (code & 0xff));
        }
        if (flags != 0 || reserved != 0) {
            throw new FramingException("nonzero reserved header bits in a " + kind + " frame");
        }
        long unsignedLength = Integer.toUnsignedLong(length);
        if (unsignedLength > maxLength) {
            throw new FramingException("frame of " + unsignedLength
                    + " bytes exceeds max.frame.bytes=" + maxLength + " of this side");
        }
        if (kind != FrameKind.DATA && length != 0) {
            throw new FramingException(kind + " frame with a payload of " + unsignedLength + " bytes");
        }
        return new FrameHeader(kind, length, payloadCrc);
    }

    private static int crcOf(ByteBuffer b, int start, int len) {
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().limit(start + len).position(start));
        return (int) crc.getValue();
    }
}
