package org.kemari.hv.kvm.internal.virtio;

import java.nio.ByteBuffer;

/** Builds and parses the few Ethernet frames the end-to-end tests exchange with the test guest. */
final class TestFrames {
    static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};

    private TestFrames() {
    }

    static byte[] arpRequest(byte[] senderMac, int senderIp, int targetIp) {
        ByteBuffer f = ByteBuffer.allocate(60);
        f.put(BROADCAST).put(senderMac).putShort((short) 0x0806);
        f.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        f.put(senderMac).putInt(senderIp).put(new byte[6]).putInt(targetIp);
        return f.array();
    }

    static byte[] udp(byte[] dstMac, byte[] srcMac, int srcIp, int dstIp, int srcPort, int dstPort, byte[] payload) {
        int ipLength = 20 + 8 + payload.length;
        ByteBuffer f = ByteBuffer.allocate(Math.max(60, 14 + ipLength));
        f.put(dstMac).put(srcMac).putShort((short) 0x0800);
        int ip = f.position();
        f.put((byte) 0x45).put((byte) 0).putShort((short) ipLength).putShort((short) 0).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0).putInt(srcIp).putInt(dstIp);
        f.putShort(ip + 10, checksum(f.array(), ip, 20));
        f.putShort((short) srcPort).putShort((short) dstPort).putShort((short) (8 + payload.length)).putShort((short) 0);
        f.put(payload);
        return f.array();
    }

    static boolean isArpReply(byte[] f, int senderIp, int targetIp) {
        ByteBuffer b = ByteBuffer.wrap(f);
        return f.length >= 42 && (b.getShort(12) & 0xffff) == 0x0806 && b.getShort(20) == 2
                && b.getInt(28) == senderIp && b.getInt(38) == targetIp;
    }

    /** The UDP payload if {@code f} is a datagram from {@code srcPort} to {@code dstPort}, else null. */
    static byte[] udpPayload(byte[] f, int srcPort, int dstPort) {
        ByteBuffer b = ByteBuffer.wrap(f);
        if (f.length < 42 || (b.getShort(12) & 0xffff) != 0x0800 || b.get(23) != 17) {
            return null;
        }
        int ihl = (b.get(14) & 0x0f) * 4;
        int udp = 14 + ihl;
        if ((b.getShort(udp) & 0xffff) != srcPort || (b.getShort(udp + 2) & 0xffff) != dstPort) {
            return null;
        }
        int length = (b.getShort(udp + 4) & 0xffff) - 8;
        byte[] payload = new byte[length];
        b.get(udp + 8, payload);
        return payload;
    }

    static short checksum(byte[] data, int offset, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            sum += ((data[offset + i] & 0xff) << 8) | (i + 1 < length ? data[offset + i + 1] & 0xff : 0);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (short) ~sum;
    }
}
