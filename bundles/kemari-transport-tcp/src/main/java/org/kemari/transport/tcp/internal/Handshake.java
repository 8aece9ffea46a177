package org.kemari.transport.tcp.internal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import org.kemari.api.transport.TransportException;
import org.kemari.api.transport.TransportException.Reason;

/**
 * The hello each side sends on connect, 16 bytes big-endian:
 * <pre>
 *  0  u32  magic "KMRL"
 *  4  u16  major version
 *  6  u16  minor version
 *  8  u32  max frame payload this side accepts
 * 12  u32  CRC32C of bytes 0..11
 * </pre>
 * Magic and version stay at these offsets in every version, so a peer of another major version
 * is reported as such even if the rest of its hello differs. Minor versions are compatible.
 */
record Handshake(int major, int minor, int maxFrameBytes) {

    static final int SIZE = 16;
    static final int MAGIC = 0x4B4D524C; // "KMRL"
    static final int CURRENT_MAJOR = 1;
    static final int CURRENT_MINOR = 0;

    static Handshake current(int maxFrameBytes) {
        return new Handshake(CURRENT_MAJOR, CURRENT_MINOR, maxFrameBytes);
    }

    String version() {
        return major + "." + minor;
    }

    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.putInt(MAGIC).putShort((short) major).putShort((short) minor).putInt(maxFrameBytes);
        b.putInt(crc(b, 12));
        return b.flip();
    }

    /**
     * Checks the peer's hello against ours.
     *
     * @return the peer's hello
     * @throws TransportException INCOMPATIBLE_PEER for a foreign, corrupt or other-major peer
     */
    Handshake accept(ByteBuffer peerHello, String peer) throws TransportException {
        int magic = peerHello.getInt(0);
        if (magic != MAGIC) {
            throw incompatible(String.format(
                    "%s is not a Kemari replication link peer (magic 0x%08x, expected 0x%08x)", peer, magic, MAGIC));
        }
        Handshake theirs = new Handshake(Short.toUnsignedInt(peerHello.getShort(4)),
                Short.toUnsignedInt(peerHello.getShort(6)), peerHello.getInt(8));
        if (theirs.major != major) {
            throw incompatible("peer " + peer + " speaks link protocol " + theirs.version()
                    + ", this side speaks " + version() + " (major versions must match)");
        }
        if (peerHello.getInt(12) != crc(peerHello, 12)) {
            throw incompatible("corrupt handshake from " + peer + " (checksum mismatch)");
        }
        if (theirs.maxFrameBytes <= 0) {
            throw incompatible("peer " + peer + " announced an invalid max frame size " + theirs.maxFrameBytes);
        }
        return theirs;
    }

    private static TransportException incompatible(String message) {
        return new TransportException(Reason.INCOMPATIBLE_PEER, message);
    }

    private static int crc(ByteBuffer b, int len) {
        CRC32C c = new CRC32C();
        c.update(b.duplicate().position(0).limit(len));
        return (int) c.getValue();
    }
}
