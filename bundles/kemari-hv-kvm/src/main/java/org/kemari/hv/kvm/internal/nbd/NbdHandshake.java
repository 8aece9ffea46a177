package org.kemari.hv.kvm.internal.nbd;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The client side of the fixed-newstyle negotiation: one NBD_OPT_GO for the export, answered
 * by NBD_REP_INFO (size and transmission flags) and NBD_REP_ACK. Structured replies are not
 * requested, so the transmission phase uses simple replies only.
 */
final class NbdHandshake {
    private NbdHandshake() {
    }

    /**
     * Negotiates {@code exportName}.
     *
     * @param server {@code host:port}, for messages
     * @throws NbdException NOT_NBD, UNKNOWN_EXPORT or REFUSED naming the server's answer
     * @throws IOException if the connection fails on the way
     */
    static NbdExport negotiate(DataInputStream in, DataOutputStream out, String server, String exportName)
            throws IOException {
        long magic = in.readLong();
        if (magic != NbdProtocol.INIT_MAGIC) {
            throw new NbdException(NbdException.Reason.NOT_NBD, server + " is not an NBD server (greeting 0x"
                    + Long.toHexString(magic) + ")");
        }
        long style = in.readLong();
        if (style == NbdProtocol.OLDSTYLE_MAGIC) {
            throw new NbdException(NbdException.Reason.NOT_NBD, "nbd-server " + server
                    + " speaks the old-style protocol, which has no export names; use a newstyle server (nbd-server 3.x)");
        }
        if (style != NbdProtocol.OPTION_MAGIC) {
            throw new NbdException(NbdException.Reason.NOT_NBD, server + " is not an NBD server (negotiation magic 0x"
                    + Long.toHexString(style) + ")");
        }
        int handshakeFlags = in.readUnsignedShort();
        if ((handshakeFlags & NbdProtocol.FLAG_FIXED_NEWSTYLE) == 0) {
            throw new NbdException(NbdException.Reason.NOT_NBD, "nbd-server " + server
                    + " does not speak fixed newstyle negotiation");
        }
        out.writeInt(NbdProtocol.FLAG_FIXED_NEWSTYLE | (handshakeFlags & NbdProtocol.FLAG_NO_ZEROES));

        byte[] name = exportName.getBytes(StandardCharsets.UTF_8);
        out.writeLong(NbdProtocol.OPTION_MAGIC);
        out.writeInt(NbdProtocol.OPT_GO);
        out.writeInt(4 + name.length + 2);
        out.writeInt(name.length);
        out.write(name);
        out.writeShort(0); // no information requests: NBD_INFO_EXPORT comes anyway
        out.flush();

        long size = -1;
        int flags = 0;
        while (true) {
            long replyMagic = in.readLong();
            int option = in.readInt();
            int type = in.readInt();
            int length = in.readInt();
            if (replyMagic != NbdProtocol.OPTION_REPLY_MAGIC || option != NbdProtocol.OPT_GO) {
                throw new NbdException(NbdException.Reason.NOT_NBD, "nbd-server " + server
                        + " sent a malformed option reply (magic 0x" + Long.toHexString(replyMagic) + ", option " + option + ")");
            }
            if (length < 0 || length > NbdProtocol.MAX_OPTION_REPLY_BYTES) {
                throw new NbdException(NbdException.Reason.NOT_NBD, "nbd-server " + server
                        + " sent an option reply of " + Integer.toUnsignedString(length) + " bytes");
            }
            byte[] data = in.readNBytes(length);
            if (data.length < length) {
                throw new java.io.EOFException("connection closed inside an option reply");
            }
            if (type == NbdProtocol.REP_ACK) {
                if (size < 0) {
                    throw new NbdException(NbdException.Reason.NOT_NBD, "nbd-server " + server
                            + " accepted export '" + exportName + "' without telling its size");
                }
                return new NbdExport(exportName, size, flags);
            }
            if (type == NbdProtocol.REP_INFO) {
                if (length >= 12 && readU16(data, 0) == NbdProtocol.INFO_EXPORT) {
                    size = readU64(data, 2);
                    flags = readU16(data, 10);
                }
                continue; // other information (block sizes, names) is not needed
            }
            if ((type & NbdProtocol.REP_FLAG_ERROR) != 0) {
                String text = new String(data, StandardCharsets.UTF_8).strip();
                NbdException.Reason reason = type == NbdProtocol.REP_ERR_UNKNOWN
                        ? NbdException.Reason.UNKNOWN_EXPORT : NbdException.Reason.REFUSED;
                String what = type == NbdProtocol.REP_ERR_UNKNOWN
                        ? "nbd-server " + server + " has no export '" + exportName + "'"
                        : "nbd-server " + server + " refused export '" + exportName + "': " + NbdProtocol.optionReplyName(type);
                abort(out);
                throw new NbdException(reason, what + (text.isEmpty() ? "" : " (" + text + ")"));
            }
            throw new NbdException(NbdException.Reason.NOT_NBD, "nbd-server " + server
                    + " sent an unexpected option reply type 0x" + Integer.toHexString(type));
        }
    }

    /** Ends the negotiation politely, so the server does not log a broken connection. */
    private static void abort(DataOutputStream out) {
        try {
            out.writeLong(NbdProtocol.OPTION_MAGIC);
            out.writeInt(NbdProtocol.OPT_ABORT);
            out.writeInt(0);
            out.flush();
        } catch (IOException e) {
            // The server may have closed already; nothing to tell it.
        }
    }

    private static int readU16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    private static long readU64(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at + i] & 0xff);
        }
        return v;
    }
}
