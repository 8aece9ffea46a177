package org.kemari.hv.kvm.internal.net;

import static org.junit.Assert.*;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The TAP backend against real TAP devices in this host's root network namespace, each with a
 * unique name, deleted afterwards. Skipped unless running as root with /dev/net/tun and the
 * {@code ip} command.
 */
public class TapNetBackendTest {
    private String ifname;
    private final List<NetBackend> opened = new ArrayList<>();

    @Before
    public void setUp() throws Exception {
        assumeTrue("TAP tests need root (CAP_NET_ADMIN); skipped", "root".equals(System.getProperty("user.name")));
        assumeTrue("TAP tests need /dev/net/tun; skipped", Files.exists(Path.of("/dev/net/tun")));
        assumeTrue("TAP tests need the ip command; skipped", run("ip", "-V") == 0);
        ifname = String.format("kmt%08x", ThreadLocalRandom.current().nextInt());
    }

    @After
    public void tearDown() throws Exception {
        opened.forEach(NetBackend::close);
        if (ifname != null && exists()) {
            run("ip", "link", "del", ifname);
        }
        if (ifname != null) {
            assertFalse("test TAP " + ifname + " left behind", exists());
        }
    }

    @Test
    public void createsTheDeviceSendsAndReceivesAndRemovesIt() throws Exception {
        TapNetBackend tap = open();
        assertTrue("created", exists());
        assertTrue("brought up", (Integer.decode(sysfs("flags")) & 1) != 0);
        assertEquals("tap:" + ifname, tap.describe());

        // A frame the guest sends arrives at the host on the interface.
        long before = Long.parseLong(sysfs("statistics/rx_packets"));
        tap.send(testFrame());
        assertEquals(before + 1, Long.parseLong(sysfs("statistics/rx_packets")));

        // A frame the host sends out of the interface reaches the receiver: the ARP request for a
        // neighbour address that the host sends before a datagram to it.
        BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        tap.setReceiver(received::add);
        int net = 0xC6120000 | (ThreadLocalRandom.current().nextInt(1 << 15) << 2); // 198.18.0.0/15
        String local = ipv4(net + 1);
        String neighbour = ipv4(net + 2);
        assertEquals(0, run("ip", "addr", "add", local + "/30", "dev", ifname));
        try (DatagramSocket socket = new DatagramSocket()) {
            byte[] payload = new byte[8];
            socket.send(new DatagramPacket(payload, payload.length, InetAddress.getByName(neighbour), 9));
        }
        assertTrue("ARP request for " + neighbour + " seen on the TAP", awaitArpFor(received, net + 2));

        tap.close();
        opened.remove(tap);
        for (int i = 0; i < 50 && exists(); i++) {
            Thread.sleep(20);
        }
        assertFalse("a TAP we created goes away when closed", exists());
    }

    @Test
    public void attachesToAnExistingDeviceAndReportsBusy() throws Exception {
        assertEquals(0, run("ip", "tuntap", "add", "dev", ifname, "mode", "tap"));
        assertEquals(0, run("ip", "link", "set", ifname, "up"));
        TapNetBackend tap = open();
        long before = Long.parseLong(sysfs("statistics/rx_packets"));
        tap.send(testFrame());
        assertEquals(before + 1, Long.parseLong(sysfs("statistics/rx_packets")));

        IOException busy = assertThrows(IOException.class, () -> open());
        assertTrue(busy.getMessage(), busy.getMessage().contains("busy"));

        tap.close();
        opened.remove(tap);
        assertTrue("a persistent TAP stays after we detach", exists());
    }

    @Test
    public void waitsForABusyDeviceItsHolderIsReleasing() throws Exception {
        assertEquals(0, run("ip", "tuntap", "add", "dev", ifname, "mode", "tap"));
        assertEquals(0, run("ip", "link", "set", ifname, "up"));
        TapNetBackend holder = open();
        // As after a failover: the dead primary's process lets go of the TAP a moment later.
        Thread release = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            holder.close();
        });
        release.start();
        TapNetBackend successor = open();
        release.join();
        opened.remove(holder);
        long before = Long.parseLong(sysfs("statistics/rx_packets"));
        successor.send(testFrame());
        assertEquals(before + 1, Long.parseLong(sysfs("statistics/rx_packets")));
    }

    @Test
    public void attachesToAMultiQueueDevice() throws Exception {
        assertEquals(0, run("ip", "tuntap", "add", "dev", ifname, "mode", "tap", "multi_queue"));
        assertEquals(0, run("ip", "link", "set", ifname, "up"));
        TapNetBackend tap = open();
        tap.send(testFrame());
    }

    @Test
    public void refusesATunDevice() throws Exception {
        assertEquals(0, run("ip", "tuntap", "add", "dev", ifname, "mode", "tun"));
        IOException e = assertThrows(IOException.class, () -> open());
        assertTrue(e.getMessage(), e.getMessage().contains("not a TAP device"));
    }

    @Test
    public void openedThroughTheBackendString() throws Exception {
        NetBackend tap = NetBackends.open("tap:" + ifname);
        opened.add(tap);
        assertTrue(tap instanceof TapNetBackend);
        assertTrue(exists());
    }

    private TapNetBackend open() throws IOException {
        TapNetBackend tap = TapNetBackend.open(ifname);
        opened.add(tap);
        return tap;
    }

    /** A broadcast frame with the IEEE local experimental ethertype. */
    private static byte[] testFrame() {
        ByteBuffer f = ByteBuffer.allocate(60);
        f.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(new byte[] {0x52, 0x54, 0, 0x12, 0x34, 0x56}).putShort((short) 0x88b5);
        return f.array();
    }

    private static boolean awaitArpFor(BlockingQueue<byte[]> received, int targetIp) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            byte[] f = received.poll(100, TimeUnit.MILLISECONDS);
            if (f != null && f.length >= 42) {
                ByteBuffer b = ByteBuffer.wrap(f);
                if ((b.getShort(12) & 0xffff) == 0x0806 && b.getShort(20) == 1 && b.getInt(38) == targetIp) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String ipv4(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }

    private boolean exists() {
        return Files.exists(Path.of("/sys/class/net", ifname));
    }

    private String sysfs(String attribute) throws IOException {
        return Files.readString(Path.of("/sys/class/net", ifname, attribute)).trim();
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
