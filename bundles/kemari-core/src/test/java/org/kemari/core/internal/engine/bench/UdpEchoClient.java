package org.kemari.core.internal.engine.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.kemari.hv.kvm.internal.net.InProcessNetPair;
import org.kemari.hv.kvm.internal.net.NetPairRegistry;

/**
 * The far end of a guest's {@code pair:} NIC: sends UDP datagrams to the test guest's echo port
 * (7) one at a time and counts the replies (a closed loop, one datagram in flight).
 */
final class UdpEchoClient implements AutoCloseable {
    static final byte[] GUEST_MAC = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    static final String GUEST_MAC_TEXT = "52:54:00:12:34:56";
    static final String GUEST_IP_TEXT = "10.0.0.2";
    private static final byte[] CLIENT_MAC = {0x52, 0x54, 0, 0, 0, 1};
    private static final int CLIENT_IP = 0x0A000001;
    private static final int GUEST_IP = 0x0A000002;
    private static final int CLIENT_PORT = 40_000;

    private final String pairName;
    private final InProcessNetPair pair;
    private final Semaphore replies = new Semaphore(0);
    private final byte[] frame = udpFrame(new byte[32]);

    UdpEchoClient(String pairName) {
        this.pairName = pairName;
        this.pair = NetPairRegistry.create(pairName);
        pair.b().setReceiver(f -> {
            if (isEchoReply(f)) {
                replies.release();
            }
        });
    }

    /** The NIC backend string the guest attaches with. */
    String backend() {
        return "pair:" + pairName;
    }

    /** Round trips completed in {@code millis}; a datagram unanswered after 100 ms is sent again. */
    long run(long millis) throws Exception {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        long done = 0;
        replies.drainPermits();
        while (System.nanoTime() < end) {
            pair.b().send(frame);
            if (replies.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                done++;
            }
        }
        return done;
    }

    private static boolean isEchoReply(byte[] f) {
        ByteBuffer b = ByteBuffer.wrap(f);
        return f.length >= 42 && (b.getShort(12) & 0xffff) == 0x0800 && b.get(23) == 17
                && (b.getShort(14 + 20) & 0xffff) == 7 && (b.getShort(14 + 22) & 0xffff) == CLIENT_PORT;
    }

    private static byte[] udpFrame(byte[] payload) {
        int ipLength = 20 + 8 + payload.length;
        ByteBuffer f = ByteBuffer.allocate(Math.max(60, 14 + ipLength));
        f.put(GUEST_MAC).put(CLIENT_MAC).putShort((short) 0x0800);
        int ip = f.position();
        f.put((byte) 0x45).put((byte) 0).putShort((short) ipLength).putShort((short) 0).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0).putInt(CLIENT_IP).putInt(GUEST_IP);
        f.putShort(ip + 10, checksum(f.array(), ip, 20));
        // UDP checksum 0: none (the guest accepts it).
        f.putShort((short) CLIENT_PORT).putShort((short) 7).putShort((short) (8 + payload.length)).putShort((short) 0);
        f.put(payload);
        return f.array();
    }

    private static short checksum(byte[] data, int offset, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            sum += ((data[offset + i] & 0xff) << 8) | (data[offset + i + 1] & 0xff);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (short) ~sum;
    }

    @Override
    public void close() {
        pair.b().setReceiver(null);
        NetPairRegistry.remove(pairName);
    }
}
