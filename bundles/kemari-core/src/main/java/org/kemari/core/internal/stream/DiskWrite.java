package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;
import java.util.Objects;

import org.kemari.api.epoch.RecordType;
import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.epoch.StreamFormatException.Reason;

/**
 * A guest disk write carried in the epoch (replicated storage). Payload: u64 byte offset,
 * u32 data length, u16 disk id length, u16 reserved (0), disk id (UTF-8), data.
 *
 * @param diskId the {@link org.kemari.api.hv.VmSpec.DiskSpec#id()} written to
 * @param offset byte offset in the disk
 * @param data the bytes written, position to limit (not copied by the encoder)
 */
public record DiskWrite(String diskId, long offset, ByteBuffer data) implements StreamRecord {
    static final int FIXED = 16;

    public DiskWrite {
        Objects.requireNonNull(diskId, "diskId");
        if (offset < 0) {
            throw new IllegalArgumentException("disk offset must not be negative: " + offset);
        }
        if (data.remaining() > StreamFormat.MAX_DISK_WRITE_BYTES) {
            throw new IllegalArgumentException("disk write of " + data.remaining() + " bytes exceeds "
                    + StreamFormat.MAX_DISK_WRITE_BYTES + "; split it");
        }
    }

    @Override
    public RecordType type() {
        return RecordType.DISK_WRITE;
    }

    @Override
    public int headLength() {
        return FIXED + Wire.utf8(diskId, "disk id").length;
    }

    @Override
    public void writeHead(ByteBuffer dst) {
        byte[] id = Wire.utf8(diskId, "disk id");
        dst.putLong(offset).putInt(data.remaining()).putShort((short) id.length).putShort((short) 0).put(id);
    }

    @Override
    public ByteBuffer bulk() {
        return data;
    }

    static DiskWrite decode(ByteBuffer p) throws StreamFormatException {
        long offset = p.getLong();
        int length = Wire.u32AsInt(p, "disk write length");
        int idLength = Wire.u16(p);
        p.getShort();
        String id = Wire.decodeUtf8(p, idLength, "disk id");
        if (offset < 0 || length != p.remaining()) {
            throw new StreamFormatException(Reason.MALFORMED, "disk write to " + id + " at offset "
                    + Long.toUnsignedString(offset) + " says " + length + " bytes but carries " + p.remaining());
        }
        ByteBuffer data = p.slice();
        p.position(p.limit());
        return new DiskWrite(id, offset, data);
    }
}
