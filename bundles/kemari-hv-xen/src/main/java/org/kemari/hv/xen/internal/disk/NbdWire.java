package org.kemari.hv.xen.internal.disk;

import java.nio.ByteBuffer;

/**
 * The transmission phase of the NBD protocol as the Linux kernel's nbd client speaks it (no
 * handshake: the device is configured by ioctl): 28-byte requests, 16-byte simple replies, all
 * big-endian. See the protocol document of the NBD project (doc/proto.md).
 */
final class NbdWire {
    static final int REQUEST_MAGIC = 0x25609513;
    static final int REPLY_MAGIC = 0x67446698;
    static final int REQUEST_BYTES = 28;
    static final int REPLY_BYTES = 16;

    static final int CMD_READ = 0;
    static final int CMD_WRITE = 1;
    static final int CMD_DISC = 2;
    static final int CMD_FLUSH = 3;

    /** Transmission flags: flags are valid; the device may send FLUSH; it is read-only. */
    static final int FLAG_HAS_FLAGS = 1;
    static final int FLAG_READ_ONLY = 2;
    static final int FLAG_SEND_FLUSH = 4;

    static final int EPERM = 1;
    static final int EIO = 5;
    static final int EINVAL = 22;

    /** The largest request accepted: the kernel's nbd sends at most 32 MiB (65536 sectors) at once. */
    static final int MAX_LENGTH = 32 << 20;

    private NbdWire() {
    }

    /** One request: {@code type} is the command, {@code flags} its command flags (FUA...). */
    record Request(int flags, int type, long handle, long offset, int length) {

        /** Decodes a request header; a wrong magic or an impossible length means the stream is not NBD. */
        static Request decode(byte[] header) throws NbdProtocolException {
            ByteBuffer b = ByteBuffer.wrap(header, 0, REQUEST_BYTES);
            int magic = b.getInt();
            if (magic != REQUEST_MAGIC) {
                throw new NbdProtocolException(String.format("request magic 0x%08x, expected 0x%08x", magic, REQUEST_MAGIC));
            }
            int flags = b.getShort() & 0xffff;
            int type = b.getShort() & 0xffff;
            long handle = b.getLong();
            long offset = b.getLong();
            int length = b.getInt();
            if (type == CMD_WRITE && Integer.toUnsignedLong(length) > MAX_LENGTH) {
                // The payload follows the header: one that cannot be taken in leaves the stream unreadable.
                throw new NbdProtocolException("write of " + Integer.toUnsignedString(length) + " bytes (limit " + MAX_LENGTH + ")");
            }
            return new Request(flags, type, handle, offset, length);
        }

        /** Whether the request stays inside a device of {@code size} bytes. */
        boolean within(long size) {
            return offset >= 0 && length >= 0 && offset <= size && length <= size - offset;
        }
    }

    /** A request header (the client's side: tests, diagnostics). */
    static byte[] request(int type, long handle, long offset, int length) {
        return ByteBuffer.allocate(REQUEST_BYTES).putInt(REQUEST_MAGIC).putShort((short) 0).putShort((short) type)
                .putLong(handle).putLong(offset).putInt(length).array();
    }

    /** A simple reply header; read data follows it. */
    static byte[] reply(long handle, int error) {
        return ByteBuffer.allocate(REPLY_BYTES).putInt(REPLY_MAGIC).putInt(error).putLong(handle).array();
    }
}
