package org.kemari.io.net.internal.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One rtnetlink socket that sets up and changes queueing disciplines ({@code RTM_NEWQDISC}), as
 * {@code tc qdisc add|change} does, but without a process per call: the network hold changes its
 * plug qdisc at every epoch. Each request asks for the kernel's acknowledgement, so a refusal
 * (no such qdisc kind, no such device) comes back as an {@link IOException} naming the errno.
 */
public final class RouteNetlink implements AutoCloseable {
    private static final short RTM_NEWQDISC = 36;
    private static final short RTM_GETQDISC = 38;
    /** TCA_STATS: the legacy {@code struct tc_stats}, whose qlen is at byte 28. */
    private static final short TCA_STATS = 3;
    private static final int TC_STATS_QLEN = 28;
    private static final short NLMSG_ERROR = 2;
    private static final short NLM_F_REQUEST = 0x1;
    private static final short NLM_F_MULTI = 0x2;
    private static final short NLM_F_ACK = 0x4;
    private static final short NLM_F_ECHO = 0x8;
    private static final short NLM_F_EXCL = 0x200;
    private static final short NLM_F_CREATE = 0x400;
    private static final short TCA_KIND = 1;
    private static final short TCA_OPTIONS = 2;
    /** TC_H_ROOT: the interface's root (egress) qdisc. */
    public static final int ROOT = 0xFFFFFFFF;
    private static final int ENOENT = 2;

    private final int fd;
    private final AtomicInteger sequence = new AtomicInteger();
    private final byte[] reply = new byte[8192];

    private RouteNetlink(int fd) {
        this.fd = fd;
    }

    /** Opens a socket in the calling thread's network namespace. */
    public static RouteNetlink open() throws IOException {
        int fd = NetLibC.socket(NetLibC.AF_NETLINK, NetLibC.SOCK_RAW | NetLibC.SOCK_CLOEXEC, NetLibC.NETLINK_ROUTE);
        if (fd < 0) {
            throw new IOException("cannot open an rtnetlink socket: " + NetLibC.lastError());
        }
        byte[] timeout = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(5).putLong(0).array();
        NetLibC.setsockopt(fd, NetLibC.SOL_SOCKET, NetLibC.SO_RCVTIMEO, timeout, timeout.length); // never hang on a lost reply
        return new RouteNetlink(fd);
    }

    /** Interface index of {@code name}, or an IOException saying there is no such interface. */
    public static int interfaceIndex(String name) throws IOException {
        int index = NetLibC.if_nametoindex(name);
        if (index == 0) {
            throw new IOException("no network interface named '" + name + "' (" + NetLibC.lastError() + ")");
        }
        return index;
    }

    /** {@code tc qdisc add dev <ifindex> root <kind> <options>}: fails if a root qdisc of that kind exists. */
    public void addRootQdisc(int ifindex, String kind, byte[] options) throws IOException {
        request(ifindex, kind, options, (short) (NLM_F_CREATE | NLM_F_EXCL));
    }

    /** {@code tc qdisc change dev <ifindex> root <kind> <options>}: the existing root qdisc must be of that kind. */
    public void changeRootQdisc(int ifindex, String kind, byte[] options) throws IOException {
        request(ifindex, kind, options, (short) 0);
    }

    /**
     * Frames queued now in the interface's root qdisc ({@code tc -s qdisc show}'s qlen), one
     * RTM_GETQDISC round trip.
     */
    public synchronized long rootQueueLength(int ifindex) throws IOException {
        int seq = sequence.incrementAndGet();
        // ECHO: the kernel answers a single GET as a notification, to its multicast group unless echoed.
        send(qdiscMessage(RTM_GETQDISC, (short) (NLM_F_REQUEST | NLM_F_ECHO), seq, ifindex, 0).array());
        long[] qlen = {-1};
        await(seq, "root qdisc statistics", (type, msg, attrs) -> {
            if (type == RTM_NEWQDISC) {
                qlen[0] = findQlen(msg, attrs);
            }
        });
        if (qlen[0] < 0) {
            throw new IOException("interface " + ifindex + ": the kernel sent no queue length for its root qdisc");
        }
        return qlen[0];
    }

    private static long findQlen(ByteBuffer msg, int attrs) {
        int end = msg.limit();
        int p = attrs;
        while (p + 4 <= end) {
            int len = msg.getShort(p) & 0xffff;
            int type = msg.getShort(p + 2) & 0x7fff;
            if (len < 4) {
                break;
            }
            if (type == TCA_STATS && len >= 4 + TC_STATS_QLEN + 4) {
                return msg.getInt(p + 4 + TC_STATS_QLEN) & 0xffffffffL;
            }
            p += align(len);
        }
        return -1;
    }

    private interface ReplyHandler {
        /** One message of the reply: its type, the message (limit = its end), where its attributes start. */
        void message(short type, ByteBuffer msg, int attrs);
    }

    private void send(byte[] msg) throws IOException {
        if (NetLibC.send(fd, msg, msg.length, 0) != msg.length) {
            throw new IOException("rtnetlink send failed: " + NetLibC.lastError());
        }
    }

    /** Reads replies to {@code seq} until its acknowledgement or error; other messages go to {@code handler}. */
    private void await(int seq, String what, ReplyHandler handler) throws IOException {
        while (true) {
            long n = NetLibC.recv(fd, reply, reply.length, 0);
            if (n < 0) {
                throw new IOException("no rtnetlink answer to the " + what + " request: " + NetLibC.lastError());
            }
            ByteBuffer b = ByteBuffer.wrap(reply, 0, (int) n).order(ByteOrder.nativeOrder());
            int p = 0;
            while (p + 16 <= n) {
                int len = b.getInt(p);
                short type = b.getShort(p + 4);
                int replySeq = b.getInt(p + 8);
                if (len < 16 || p + len > n) {
                    break;
                }
                if (replySeq == seq) {
                    if (type == NLMSG_ERROR) {
                        int error = -b.getInt(p + 16);
                        if (error == 0) {
                            return;
                        }
                        throw new IOException(describe(what, error));
                    }
                    ByteBuffer msg = b.duplicate().order(ByteOrder.nativeOrder());
                    msg.limit(p + len);
                    handler.message(type, msg, p + 16 + 20);
                    if (type != NLMSG_ERROR && (b.getShort(p + 6) & NLM_F_MULTI) == 0) {
                        return; // a single answer (GET) carries no separate acknowledgement
                    }
                }
                p += align(len);
            }
        }
    }

    private synchronized void request(int ifindex, String kind, byte[] options, short flags) throws IOException {
        int seq = sequence.incrementAndGet();
        send(encode(seq, ifindex, kind, options, flags));
        await(seq, kind + " qdisc", (type, msg, attrs) -> { });
    }

    private static String describe(String what, int errno) {
        String why = errno == ENOENT ? ": no such qdisc kind in this kernel, or no such qdisc" : "";
        return "the kernel refused the " + what + " request: " + NetLibC.strerror(errno) + " (errno " + errno + why + ")";
    }

    /** nlmsghdr + tcmsg + TCA_KIND + TCA_OPTIONS, in host byte order as rtnetlink wants. */
    static byte[] encode(int seq, int ifindex, String kind, byte[] options, short flags) {
        byte[] kindBytes = (kind + "\0").getBytes(StandardCharsets.US_ASCII);
        int attrs = align(4 + kindBytes.length) + align(4 + options.length);
        ByteBuffer b = qdiscMessage(RTM_NEWQDISC, (short) (NLM_F_REQUEST | NLM_F_ACK | flags), seq, ifindex, attrs);
        attribute(b, TCA_KIND, kindBytes);
        attribute(b, TCA_OPTIONS, options);
        return b.array();
    }

    /** nlmsghdr + tcmsg about the root qdisc of {@code ifindex}, with room for {@code attrBytes} of attributes after. */
    private static ByteBuffer qdiscMessage(short type, short flags, int seq, int ifindex, int attrBytes) {
        int size = 16 + 20 + attrBytes;
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        b.putInt(size).putShort(type).putShort(flags).putInt(seq).putInt(0);
        b.put((byte) 0).put((byte) 0).putShort((short) 0); // tcm_family AF_UNSPEC, padding
        b.putInt(ifindex).putInt(0).putInt(ROOT).putInt(0); // handle (kernel picks), parent, info
        return b;
    }

    private static void attribute(ByteBuffer b, short type, byte[] value) {
        int start = b.position();
        b.putShort((short) (4 + value.length)).putShort(type).put(value);
        b.position(start + align(4 + value.length));
    }

    private static int align(int n) {
        return (n + 3) & ~3;
    }

    @Override
    public void close() {
        NetLibC.close(fd);
    }
}
