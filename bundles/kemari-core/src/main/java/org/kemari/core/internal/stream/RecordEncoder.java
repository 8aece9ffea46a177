package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Frames records: {u16 type, u16 flags, u32 payload length, payload, zero padding, u32 CRC32C of
 * every preceding byte of the record}, the whole a multiple of 8 bytes. A record's bulk data is
 * passed on as a view of the caller's buffer, not copied; the CRC reads it once.
 */
public final class RecordEncoder {
    private final CRC32C crc = new CRC32C();

    /**
     * Appends the record's buffers to {@code out} (one buffer, or head + bulk view + tail).
     *
     * @return the record's CRC (for the epoch digest)
     */
    public int encode(StreamRecord r, List<ByteBuffer> out) {
        return encode(r.type().code(), 0, r, out);
    }

    /** As {@link #encode(StreamRecord, List)} with an explicit type code and flags (tests, newer records). */
    public int encode(int typeCode, int flags, StreamRecord r, List<ByteBuffer> out) {
        int headLength = r.headLength();
        ByteBuffer bulk = r.bulk();
        int bulkLength = bulk == null ? 0 : bulk.remaining();
        long payload = (long) headLength + bulkLength;
        if (payload > StreamFormat.MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException(r.type() + " payload of " + payload + " bytes exceeds the limit");
        }
        int padding = StreamFormat.paddingBytes(payload);
        int tailLength = padding + StreamFormat.RECORD_CRC_BYTES;
        boolean single = bulkLength == 0;
        ByteBuffer head = ByteBuffer.allocate(StreamFormat.RECORD_HEADER_BYTES + headLength + (single ? tailLength : 0))
                .order(StreamFormat.ORDER);
        head.putShort((short) typeCode).putShort((short) flags).putInt((int) payload);
        r.writeHead(head);
        if (head.position() != StreamFormat.RECORD_HEADER_BYTES + headLength) {
            throw new IllegalStateException(r.type() + " wrote " + head.position() + " head bytes, declared " + headLength);
        }
        crc.reset();
        crc.update(head.array(), 0, head.position());
        ByteBuffer tail = single ? head : ByteBuffer.allocate(tailLength).order(StreamFormat.ORDER);
        if (!single) {
            crc.update(bulk.duplicate());
        }
        // padding bytes are zero: allocate() zeroed them
        crc.update(new byte[padding], 0, padding);
        int value = (int) crc.getValue();
        tail.position(tail.capacity() - StreamFormat.RECORD_CRC_BYTES);
        tail.putInt(value);
        head.flip();
        if (single) {
            out.add(head);
        } else {
            head.position(0).limit(StreamFormat.RECORD_HEADER_BYTES + headLength);
            out.add(head);
            out.add(bulk.duplicate());
            out.add(tail.flip());
        }
        return value;
    }

    /** One record as a single buffer (control messages, tests). */
    public ByteBuffer encodeToBuffer(StreamRecord r) {
        List<ByteBuffer> parts = new java.util.ArrayList<>(3);
        encode(r, parts);
        return concat(parts);
    }

    /** The parts copied into one heap buffer. */
    public static ByteBuffer concat(List<ByteBuffer> parts) {
        int n = 0;
        for (ByteBuffer b : parts) {
            n += b.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(n);
        for (ByteBuffer b : parts) {
            all.put(b.duplicate());
        }
        return all.flip();
    }
}
