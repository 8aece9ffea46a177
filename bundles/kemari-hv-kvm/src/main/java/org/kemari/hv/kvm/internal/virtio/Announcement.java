package org.kemari.hv.kvm.internal.virtio;

import java.nio.ByteBuffer;

/**
 * The frame a NIC sends to announce that it now lives here, after a VM was restored on another
 * host (failover): a broadcast RARP request from the VM's MAC, as QEMU sends after migration.
 * It needs no IP address; switches and bridges learn the MAC's new port from it, so clients'
 * frames reach the new host without any change on the clients (their ARP entries stay valid).
 */
final class Announcement {
    static final int ETHERTYPE_RARP = 0x8035;
    /**
     * Announce several times over ~1.5 s: the first may be lost while links come up, and a fenced
     * primary's copy may still send a frame or two (teaching the bridge its old port) before it stops.
     */
    static final long[] DELAYS_MILLIS = {0, 50, 150, 350, 750, 1500};

    private Announcement() {
    }

    /** The 60-byte RARP "reverse request" for {@code mac}. */
    static byte[] rarp(byte[] mac) {
        ByteBuffer f = ByteBuffer.allocate(60);
        for (int i = 0; i < 6; i++) {
            f.put((byte) 0xff);
        }
        f.put(mac).putShort((short) ETHERTYPE_RARP);
        f.putShort((short) 1)          // hardware: Ethernet
                .putShort((short) 0x0800) // protocol: IPv4
                .put((byte) 6).put((byte) 4)
                .putShort((short) 3)      // reverse request
                .put(mac).putInt(0)       // sender MAC, IP unknown
                .put(mac).putInt(0);      // target MAC, IP unknown
        return f.array();
    }
}
