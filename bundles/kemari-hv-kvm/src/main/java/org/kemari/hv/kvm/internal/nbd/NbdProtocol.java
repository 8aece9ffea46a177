package org.kemari.hv.kvm.internal.nbd;

/**
 * Numbers of the NBD protocol (the "fixed newstyle" negotiation and the simple-reply transmission
 * phase), as in the NBD project's doc/proto.md. All integers on the wire are big-endian.
 */
final class NbdProtocol {
    private NbdProtocol() {
    }

    /** "NBDMAGIC": the server's first eight bytes. */
    static final long INIT_MAGIC = 0x4e42444d41474943L;
    /** "IHAVEOPT": newstyle negotiation; also prefixes every option the client sends. */
    static final long OPTION_MAGIC = 0x49484156454F5054L;
    /** Old-style servers send this instead of IHAVEOPT; not supported. */
    static final long OLDSTYLE_MAGIC = 0x00420281861253L;
    static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;
    static final int REQUEST_MAGIC = 0x25609513;
    static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;

    // Handshake flags (server, u16) and client flags (u32).
    static final int FLAG_FIXED_NEWSTYLE = 1;
    static final int FLAG_NO_ZEROES = 2;

    // Options.
    static final int OPT_ABORT = 2;
    static final int OPT_GO = 7;

    // Option replies; errors have bit 31 set.
    static final int REP_ACK = 1;
    static final int REP_INFO = 3;
    static final int REP_FLAG_ERROR = 1 << 31;
    static final int REP_ERR_UNSUP = REP_FLAG_ERROR | 1;
    static final int REP_ERR_POLICY = REP_FLAG_ERROR | 2;
    static final int REP_ERR_INVALID = REP_FLAG_ERROR | 3;
    static final int REP_ERR_PLATFORM = REP_FLAG_ERROR | 4;
    static final int REP_ERR_TLS_REQD = REP_FLAG_ERROR | 5;
    static final int REP_ERR_UNKNOWN = REP_FLAG_ERROR | 6;
    static final int REP_ERR_SHUTDOWN = REP_FLAG_ERROR | 7;
    static final int REP_ERR_BLOCK_SIZE_REQD = REP_FLAG_ERROR | 8;
    static final int REP_ERR_TOO_BIG = REP_FLAG_ERROR | 9;

    static final int INFO_EXPORT = 0;

    // Transmission flags (u16, from NBD_INFO_EXPORT).
    static final int TFLAG_HAS_FLAGS = 1;
    static final int TFLAG_READ_ONLY = 1 << 1;
    static final int TFLAG_SEND_FLUSH = 1 << 2;

    // Commands.
    static final int CMD_READ = 0;
    static final int CMD_WRITE = 1;
    static final int CMD_DISC = 2;
    static final int CMD_FLUSH = 3;

    static final int REQUEST_HEADER_BYTES = 28;
    static final int SIMPLE_REPLY_HEADER_BYTES = 16;
    /** Longest option reply payload we accept (an error text, an info block). */
    static final int MAX_OPTION_REPLY_BYTES = 64 * 1024;

    static String optionReplyName(int type) {
        return switch (type) {
            case REP_ERR_UNSUP -> "option not supported";
            case REP_ERR_POLICY -> "forbidden by the server's policy";
            case REP_ERR_INVALID -> "invalid request";
            case REP_ERR_PLATFORM -> "not supported on the server's platform";
            case REP_ERR_TLS_REQD -> "the server requires TLS";
            case REP_ERR_UNKNOWN -> "no such export";
            case REP_ERR_SHUTDOWN -> "the server is shutting down";
            case REP_ERR_BLOCK_SIZE_REQD -> "the server requires block size negotiation";
            case REP_ERR_TOO_BIG -> "request too big";
            default -> "error 0x" + Integer.toHexString(type);
        };
    }

    /** The errno values the protocol uses in replies, for messages. */
    static String errorName(int error) {
        return switch (error) {
            case 1 -> "EPERM (operation not permitted)";
            case 5 -> "EIO (input/output error)";
            case 12 -> "ENOMEM (out of memory)";
            case 22 -> "EINVAL (invalid argument)";
            case 28 -> "ENOSPC (no space left on device)";
            case 75 -> "EOVERFLOW (value too large)";
            case 95 -> "ENOTSUP (not supported)";
            case 108 -> "ESHUTDOWN (server shutting down)";
            default -> "error " + error;
        };
    }
}
