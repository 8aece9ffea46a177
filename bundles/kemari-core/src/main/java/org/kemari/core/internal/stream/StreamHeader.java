package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32C;

import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.epoch.StreamFormatException.Reason;
import org.kemari.api.epoch.StreamVersion;

/**
 * The header that opens an epoch stream on a new link: magic, version, flags and the VM's name.
 * Bytes 0..11 (magic, major, minor) keep their place in every version, so any reader can say
 * which version it was offered.
 *
 * @param major format major version (0 is invalid)
 * @param minor format minor version
 * @param flags {@code StreamFormat.HEADER_FLAG_*}
 * @param vmName the protected VM's name
 */
public record StreamHeader(int major, int minor, int flags, String vmName) {
    /** Offset of the u16 header length. */
    static final int LENGTH_OFFSET = 12;
    /** Bytes before the VM name. */
    static final int FIXED_BYTES = 20;
    static final int MAX_NAME_BYTES = 1024;

    public StreamHeader {
        Objects.requireNonNull(vmName, "vmName");
        if (major <= 0 || major > 0xFFFF || minor < 0 || minor > 0xFFFF) {
            throw new IllegalArgumentException("version out of range: " + major + "." + minor);
        }
    }

    /** A header of this node's version. */
    public static StreamHeader current(String vmName, int flags) {
        return new StreamHeader(StreamVersion.MAJOR, StreamVersion.MINOR, flags, vmName);
    }

    /** Whether the epochs carry a backend's checkpoint stream (BACKEND_STREAM records). */
    public boolean backendStream() {
        return (flags & StreamFormat.HEADER_FLAG_BACKEND_STREAM) != 0;
    }

    public boolean replicatedDisks() {
        return (flags & StreamFormat.HEADER_FLAG_REPLICATED_DISKS) != 0;
    }

    /** Encodes the header into a new buffer, positioned at 0. */
    public ByteBuffer encode() {
        byte[] name = Wire.utf8(vmName, "VM name");
        if (name.length == 0 || name.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("VM name must be 1.." + MAX_NAME_BYTES + " bytes");
        }
        int length = (int) StreamFormat.alignUp(FIXED_BYTES + name.length + 4);
        ByteBuffer b = ByteBuffer.allocate(length).order(StreamFormat.ORDER);
        b.put(StreamVersion.magicBytes())
                .putShort((short) major).putShort((short) minor)
                .putShort((short) length).putShort((short) name.length)
                .putInt(flags)
                .put(name);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, length - 4);
        b.putInt(length - 4, (int) crc.getValue());
        return b.position(0);
    }

    /**
     * Reads a header from {@code src}'s position and advances past it. Checks in an order that
     * gives the most useful reason: magic, then version (before the CRC, whose coverage a newer
     * major may have changed), then length and CRC, then flags.
     */
    public static StreamHeader decode(ByteBuffer src) throws StreamFormatException {
        ByteBuffer b = src.slice().order(StreamFormat.ORDER);
        byte[] magic = StreamVersion.magicBytes();
        int seen = Math.min(magic.length, b.remaining());
        byte[] got = new byte[seen];
        b.get(0, got);
        if (!Arrays.equals(got, 0, seen, magic, 0, seen)) {
            throw new StreamFormatException(Reason.BAD_MAGIC,
                    "peer did not send a Kemari epoch stream (expected magic '" + StreamVersion.MAGIC
                            + "', got bytes " + printable(got) + ")");
        }
        if (b.remaining() < FIXED_BYTES) {
            throw new StreamFormatException(Reason.TRUNCATED,
                    "stream header truncated: " + b.remaining() + " bytes, at least " + (FIXED_BYTES + 4) + " needed");
        }
        int major = Short.toUnsignedInt(b.getShort(8));
        int minor = Short.toUnsignedInt(b.getShort(10));
        if (!StreamVersion.canRead(major)) {
            throw new StreamFormatException(Reason.UNSUPPORTED_VERSION,
                    "peer speaks epoch stream " + StreamVersion.text(major, minor) + ", this node reads "
                            + readableText());
        }
        int length = Short.toUnsignedInt(b.getShort(LENGTH_OFFSET));
        int nameLength = Short.toUnsignedInt(b.getShort(14));
        if (length % StreamFormat.ALIGN != 0 || length < FIXED_BYTES + nameLength + 4) {
            throw new StreamFormatException(Reason.MALFORMED,
                    "stream header length " + length + " is inconsistent with a VM name of " + nameLength + " bytes");
        }
        if (length > b.remaining()) {
            throw new StreamFormatException(Reason.TRUNCATED,
                    "stream header truncated: " + b.remaining() + " of " + length + " bytes");
        }
        CRC32C crc = new CRC32C();
        crc.update(b.slice(0, length - 4));
        int stored = b.getInt(length - 4);
        if ((int) crc.getValue() != stored) {
            throw new StreamFormatException(Reason.BAD_CHECKSUM, "stream header checksum mismatch (stored "
                    + Wire.hex(stored) + ", computed " + Wire.hex((int) crc.getValue()) + ")");
        }
        int flags = b.getInt(16);
        int unknown = flags & StreamFormat.HEADER_FLAGS_MUST_UNDERSTAND & ~StreamFormat.HEADER_FLAGS_KNOWN;
        if (unknown != 0) {
            throw new StreamFormatException(Reason.UNSUPPORTED_VERSION, "peer uses stream features "
                    + String.format("0x%04x", unknown) + " that this node (epoch stream " + readableText()
                    + ") does not know");
        }
        if (nameLength == 0 || nameLength > MAX_NAME_BYTES) {
            throw new StreamFormatException(Reason.MALFORMED, "VM name length " + nameLength + " outside 1.." + MAX_NAME_BYTES);
        }
        b.position(FIXED_BYTES);
        String name = Wire.decodeUtf8(b, nameLength, "VM name");
        // Bytes between the name and the CRC are zero in 1.0; a newer minor may put fields there.
        src.position(src.position() + length);
        return new StreamHeader(major, minor, flags, name);
    }

    /** "1.x", or "1.x and 2.x" once an older major is still read. */
    static String readableText() {
        StringBuilder s = new StringBuilder();
        for (int m = StreamVersion.OLDEST_READABLE_MAJOR; m <= StreamVersion.MAJOR; m++) {
            if (s.length() > 0) {
                s.append(" and ");
            }
            s.append(m).append(".x");
        }
        return s.toString();
    }

    private static String printable(byte[] bytes) {
        StringBuilder s = new StringBuilder("'");
        for (byte x : bytes) {
            s.append(x >= 0x20 && x < 0x7f ? String.valueOf((char) x) : String.format("\\x%02x", x & 0xff));
        }
        return s.append('\'').toString();
    }
}
