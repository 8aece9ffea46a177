package org.kemari.core.internal.stream;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import org.kemari.api.epoch.RecordType;
import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.epoch.StreamFormatException.Reason;

/**
 * Reads one framed record at a time from a frame. Checks run in the order that names the real
 * problem: the length against the limit and the frame (TRUNCATED), the CRC (BAD_CHECKSUM, so
 * any flipped bit of a record reports as such), then the type (UNKNOWN_RECORD unless
 * skippable), the flags and the payload's own structure (MALFORMED). Decoded bulk data are views
 * into the frame.
 */
public final class RecordDecoder {
    private final CRC32C crc = new CRC32C();

    /**
     * Decodes the record at {@code frame}'s position and advances past it.
     *
     * @param frame little-endian view of a received frame
     * @param index the record's index in the stream, for messages
     */
    public FramedRecord next(ByteBuffer frame, long index) throws StreamFormatException {
        int start = frame.position();
        int available = frame.remaining();
        if (available < StreamFormat.RECORD_HEADER_BYTES + StreamFormat.RECORD_CRC_BYTES) {
            throw new StreamFormatException(Reason.TRUNCATED, "frame ends inside record " + index
                    + ": " + available + " bytes left, a record has at least 16");
        }
        int typeCode = Short.toUnsignedInt(frame.getShort(start));
        int flags = Short.toUnsignedInt(frame.getShort(start + 2));
        long payloadLength = Integer.toUnsignedLong(frame.getInt(start + 4));
        if (payloadLength > StreamFormat.MAX_PAYLOAD_BYTES) {
            throw new StreamFormatException(Reason.MALFORMED, "record " + index + " (type " + typeCode
                    + ") claims a payload of " + payloadLength + " bytes, more than the limit of "
                    + StreamFormat.MAX_PAYLOAD_BYTES);
        }
        long total = StreamFormat.recordBytes(payloadLength);
        if (total > available) {
            throw new StreamFormatException(Reason.TRUNCATED, "frame ends inside record " + index + " (type "
                    + typeCode + "): " + available + " of " + total + " bytes present");
        }
        int crcOffset = start + (int) total - StreamFormat.RECORD_CRC_BYTES;
        crc.reset();
        crc.update(frame.slice(start, (int) total - StreamFormat.RECORD_CRC_BYTES));
        int stored = frame.getInt(crcOffset);
        int computed = (int) crc.getValue();
        if (stored != computed) {
            throw new StreamFormatException(Reason.BAD_CHECKSUM, "record " + index + " (type " + typeCode
                    + ", " + payloadLength + " bytes) checksum mismatch: stored " + Wire.hex(stored)
                    + ", computed " + Wire.hex(computed) + " - the data was corrupted in transit");
        }
        frame.position(start + (int) total);
        RecordType type = known(typeCode);
        if (type == null) {
            if (typeCode != 0 && (flags & StreamFormat.RECORD_FLAG_SKIPPABLE) != 0) {
                return new FramedRecord(typeCode, flags, stored, null);
            }
            throw new StreamFormatException(Reason.UNKNOWN_RECORD, "record " + index + " has type code "
                    + typeCode + ", which epoch stream " + StreamHeader.readableText() + " does not know"
                    + (typeCode == 0 ? " (0 is never valid)" : " and is not marked skippable"));
        }
        if (flags != 0) {
            throw new StreamFormatException(Reason.MALFORMED, "record " + index + " (" + type + ") has flags "
                    + String.format("0x%04x", flags) + ", none of which are defined for it");
        }
        ByteBuffer payload = frame.slice(start + StreamFormat.RECORD_HEADER_BYTES, (int) payloadLength)
                .order(StreamFormat.ORDER);
        StreamRecord body;
        try {
            body = decodeBody(type, payload);
        } catch (BufferUnderflowException e) {
            throw Wire.tooShort(type.toString(), e);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            // A value object refused a field (a negative epoch, an invalid spec): the peer's fault.
            throw new StreamFormatException(Reason.MALFORMED, "record " + index + " (" + type + ") is invalid: "
                    + e.getMessage(), e);
        }
        if (payload.hasRemaining()) {
            throw new StreamFormatException(Reason.MALFORMED, "record " + index + " (" + type + ") has "
                    + payload.remaining() + " bytes after its fields");
        }
        return new FramedRecord(typeCode, flags, stored, body);
    }

    private static RecordType known(int code) {
        try {
            return RecordType.ofCode(code);
        } catch (StreamFormatException e) {
            return null;
        }
    }

    private static StreamRecord decodeBody(RecordType type, ByteBuffer p) throws StreamFormatException {
        return switch (type) {
            case EPOCH_BEGIN -> EpochBegin.decode(p);
            case PAGES -> PageRun.decode(p);
            case STATE -> StateEntry.decode(p);
            case EPOCH_END -> EpochEnd.decode(p);
            case DISK_WRITE -> DiskWrite.decode(p);
            case VM_SPEC -> VmSpecRecord.decode(p);
            case END_OF_PROTECTION -> EndOfProtection.decode(p);
            case BACKEND_STREAM -> BackendStreamChunk.decode(p);
            case ACK -> Ack.decode(p);
            case REFUSE -> Refuse.decode(p);
            case FENCE -> Fence.decode(p);
        };
    }
}
