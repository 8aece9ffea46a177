package org.kemari.hv.kvm.internal.virtio;

import static org.junit.Assert.*;
import static org.junit.Assume.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmSpec.DiskSpec;
import org.kemari.api.hv.VmSpec.NicSpec;
import org.kemari.api.io.OutputKind;
import org.kemari.api.io.PendingOutput;
import org.kemari.hv.kvm.internal.KvmBackend;
import org.kemari.hv.kvm.internal.net.InProcessNetPair;
import org.kemari.hv.kvm.internal.net.NetPairRegistry;

/**
 * The devices against their real client, the C test guest's virtio drivers, on KVM: the
 * NET_RESPONDER answers ARP, UDP echo and the UDP status service over an in-process pair, and
 * the DISK_WRITER's writes wait for a gate that releases them from another thread. Skipped
 * without /dev/kvm.
 */
public class TestGuestDevicesTest {
    private static final byte[] GUEST_MAC = {0x52, 0x54, 0, 0x4b, 0x4d, 0x01};
    private static final byte[] PEER_MAC = {0x52, 0x54, 0, 0x4b, 0x4d, 0x02};
    private static final int GUEST_IP = 0x0a000002;
    private static final int PEER_IP = 0x0a000001;
    /** The guest's status area (docs/specs/guest-abi.md): boot info 0x1000 + 0x800; RAM offset = address. */
    private static final long STATUS_AREA = 0x1800;
    private static final int STATUS_AREA_SIZE = 0x88; // up to and including udp_status_replies at 0x880
    private static final int ST_UDP_STATUS_REPLIES = 0x80;
    private static final int STATUS_PORT = 8;
    /** "KMSTAT01" as a little-endian u64. */
    private static final long STATUS_MAGIC = 0x3130544154534D4BL;
    /** Status area offsets of the eight counters of a status reply, in reply order. */
    private static final int[] STATUS_REPLY_FIELDS = {0x00, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x40};
    private static final String[] STATUS_REPLY_NAMES = {"sequence", "rounds", "dirty_iterations",
            "disk_writes_submitted", "disk_writes_acked", "net_rx_frames", "net_tx_frames", "udp_echo_replies"};

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private String pairName;
    private String tapName;
    private Vm vm;

    @Before
    public void setUp() {
        Path kvm = Path.of("/dev/kvm");
        assumeTrue("/dev/kvm is missing or inaccessible: skipped", Files.isReadable(kvm) && Files.isWritable(kvm));
        pairName = "guest-" + ThreadLocalRandom.current().nextInt(1 << 30);
    }

    @After
    public void tearDown() {
        if (vm != null) {
            vm.close();
        }
        if (pairName != null) {
            NetPairRegistry.remove(pairName);
        }
        if (tapName != null && Files.exists(Path.of("/sys/class/net", tapName))) {
            try {
                run("ip", "link", "del", tapName);
            } catch (Exception e) {
                throw new AssertionError("could not delete test TAP " + tapName, e);
            }
        }
    }

    private static String ipv4(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    @Test(timeout = 120_000)
    public void netResponderAnswersArpAndUdpEcho() throws Exception {
        InProcessNetPair pair = NetPairRegistry.create(pairName);
        BlockingQueue<byte[]> fromGuest = new LinkedBlockingQueue<>();
        pair.b().setReceiver(fromGuest::add);
        vm = new KvmBackend().create(new VmSpec("net-e2e", 64 << 20, 1, VmSpec.TEST_GUEST, List.of(),
                List.of(new NicSpec("net0", "52:54:00:4b:4d:01", "pair:" + pairName)),
                Map.of("guest.workloads", "net", "guest.ipv4", "10.0.0.2")));
        vm.resume();

        // The guest may still be setting up its driver: ask until it answers.
        byte[] reply = null;
        for (int attempt = 0; attempt < 100 && reply == null; attempt++) {
            pair.b().send(TestFrames.arpRequest(PEER_MAC, PEER_IP, GUEST_IP));
            reply = await(fromGuest, f -> TestFrames.isArpReply(f, GUEST_IP, PEER_IP), 200);
        }
        assertNotNull("no ARP reply from the guest", reply);

        for (int i = 0; i < 20; i++) {
            byte[] payload = ("echo " + i).getBytes();
            int port = 40000 + i;
            pair.b().send(TestFrames.udp(GUEST_MAC, PEER_MAC, PEER_IP, GUEST_IP, 40000 + i, 7, payload));
            byte[] echo = await(fromGuest, f -> TestFrames.udpPayload(f, 7, port) != null, 5000);
            assertNotNull("no UDP echo " + i, echo);
            assertArrayEquals(payload, TestFrames.udpPayload(echo, 7, 40000 + i));
        }
    }

    @Test(timeout = 120_000)
    public void udpStatusServiceReportsProgressNotAheadOfTheStatusArea() throws Exception {
        Path disk = tmp.newFile("vda.img").toPath();
        Files.write(disk, new byte[1 << 20]);
        InProcessNetPair pair = NetPairRegistry.create(pairName);
        BlockingQueue<byte[]> fromGuest = new LinkedBlockingQueue<>();
        pair.b().setReceiver(fromGuest::add);
        vm = new KvmBackend().create(new VmSpec("status-e2e", 64 << 20, 1, VmSpec.TEST_GUEST,
                List.of(new DiskSpec("vda", disk.toString(), false)),
                List.of(new NicSpec("net0", "52:54:00:4b:4d:01", "pair:" + pairName)),
                Map.of("guest.workloads", "disk,net", "guest.ipv4", "10.0.0.2", "guest.disk-blocks", "16")));
        vm.resume();

        ByteBuffer first = askStatus(pair, fromGuest, 0x1111_2222_3333_4444L, 41000);
        ByteBuffer afterFirst = statusArea();
        assertMatchesStatusArea(first, afterFirst);
        long acked = first.getLong(40); // disk_writes_acked
        assertTrue("disk_writes_acked in the first reply: " + acked, acked > 0);
        assertTrue("udp_status_replies counts the reply", afterFirst.getLong(ST_UDP_STATUS_REPLIES) >= 1);

        // Ask again until the disk workload has moved on: no counter may go backwards meanwhile.
        ByteBuffer second = null;
        ByteBuffer afterSecond = null;
        for (int k = 1; k <= 50 && (second == null || second.getLong(40) <= acked); k++) {
            Thread.sleep(20);
            second = askStatus(pair, fromGuest, 0x5555_6666_7777_0000L + k, 41000 + 100 * k);
            afterSecond = statusArea();
            assertMatchesStatusArea(second, afterSecond);
            for (int i = 0; i < STATUS_REPLY_FIELDS.length; i++) {
                assertTrue(STATUS_REPLY_NAMES[i] + " went backwards",
                        second.getLong(8 + 8 * i) >= first.getLong(8 + 8 * i));
            }
        }
        assertTrue("disk_writes_acked did not advance: " + acked + " then " + second.getLong(40),
                second.getLong(40) > acked);
        assertTrue("udp_status_replies counts both replies", afterSecond.getLong(ST_UDP_STATUS_REPLIES) >= 2);

        // A request shorter than the nonce gets zeros in its place.
        ByteBuffer shortRequest = askStatus(pair, fromGuest, new byte[] {1, 2, 3}, 47000);
        assertEquals(0x030201L, shortRequest.getLong(72));
    }

    /** Sends a status request with an 8-byte nonce (again, while the guest is still starting) and returns the reply. */
    private static ByteBuffer askStatus(InProcessNetPair pair, BlockingQueue<byte[]> fromGuest, long nonce, int port)
            throws Exception {
        byte[] request = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(nonce).array();
        ByteBuffer reply = askStatus(pair, fromGuest, request, port);
        assertEquals("nonce", nonce, reply.getLong(72));
        return reply;
    }

    private static ByteBuffer askStatus(InProcessNetPair pair, BlockingQueue<byte[]> fromGuest, byte[] request, int port)
            throws Exception {
        for (int attempt = 0; attempt < 100; attempt++) {
            int srcPort = port + attempt; // a late reply to an earlier attempt cannot be taken for this one
            pair.b().send(TestFrames.udp(GUEST_MAC, PEER_MAC, PEER_IP, GUEST_IP, srcPort, STATUS_PORT, request));
            byte[] frame = await(fromGuest, f -> TestFrames.udpPayload(f, STATUS_PORT, srcPort) != null, 200);
            if (frame != null) {
                byte[] payload = TestFrames.udpPayload(frame, STATUS_PORT, srcPort);
                assertEquals("status reply length", 80, payload.length);
                ByteBuffer reply = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
                assertEquals("magic", STATUS_MAGIC, reply.getLong(0));
                return reply;
            }
        }
        throw new AssertionError("no status reply from the guest");
    }

    private ByteBuffer statusArea() {
        ByteBuffer st = ByteBuffer.allocate(STATUS_AREA_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        vm.memory().read(STATUS_AREA, st);
        return st;
    }

    /** The counters were read when the reply was built: none may be ahead of the status area read later. */
    private static void assertMatchesStatusArea(ByteBuffer reply, ByteBuffer status) {
        for (int i = 0; i < STATUS_REPLY_FIELDS.length; i++) {
            long replied = reply.getLong(8 + 8 * i);
            long now = status.getLong(STATUS_REPLY_FIELDS[i]);
            assertTrue(STATUS_REPLY_NAMES[i] + ": reply " + replied + " > status area " + now, replied <= now);
        }
    }

    @Test(timeout = 120_000)
    public void netResponderEchoesUdpFromTheHostOverTap() throws Exception {
        assumeTrue("needs root for a TAP device: skipped", "root".equals(System.getProperty("user.name")));
        assumeTrue("needs /dev/net/tun: skipped", Files.exists(Path.of("/dev/net/tun")));
        tapName = String.format("kmg%08x", ThreadLocalRandom.current().nextInt());
        int net = 0xC6120000 | (ThreadLocalRandom.current().nextInt(1 << 15) << 2); // 198.18.0.0/15
        vm = new KvmBackend().create(new VmSpec("tap-e2e", 64 << 20, 1, VmSpec.TEST_GUEST, List.of(),
                List.of(new NicSpec("net0", "52:54:00:4b:4d:01", "tap:" + tapName)),
                Map.of("guest.workloads", "net", "guest.ipv4", ipv4(net + 2))));
        assertEquals(0, run("ip", "addr", "add", ipv4(net + 1) + "/30", "dev", tapName));
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0, java.net.InetAddress.getByName(ipv4(net + 1)))) {
            socket.setSoTimeout(500);
            java.net.InetAddress guest = java.net.InetAddress.getByName(ipv4(net + 2));
            for (int i = 0; i < 10; i++) {
                byte[] payload = ("over tap " + i).getBytes();
                byte[] echo = null;
                for (int attempt = 0; attempt < 20 && echo == null; attempt++) {
                    socket.send(new java.net.DatagramPacket(payload, payload.length, guest, 7));
                    java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[1500], 1500);
                    try {
                        // Late echoes of earlier attempts may still arrive: take only this payload's.
                        while (echo == null) {
                            socket.receive(in);
                            byte[] got = java.util.Arrays.copyOf(in.getData(), in.getLength());
                            if (java.util.Arrays.equals(got, payload)) {
                                echo = got;
                            } else if (!new String(got).startsWith("over tap ")) {
                                echo = got; // anything else is a wrong echo: let the assertion show it
                            }
                        }
                    } catch (java.net.SocketTimeoutException e) {
                        // ARP or driver set-up still under way: send again
                    }
                }
                assertArrayEquals("echo " + i, payload, echo);
            }
        }
    }

    @Test(timeout = 120_000)
    public void diskWritesWaitForTheGateAndCompleteFromAnotherThread() throws Exception {
        Path disk = tmp.newFile("vda.img").toPath();
        Files.write(disk, new byte[1 << 20]);
        BlockingQueue<PendingOutput> held = new LinkedBlockingQueue<>();
        vm = new KvmBackend().create(new VmSpec("disk-e2e", 64 << 20, 1, VmSpec.TEST_GUEST,
                List.of(new DiskSpec("vda", disk.toString(), false)), List.of(),
                Map.of("guest.workloads", "disk", "guest.disk-blocks", "16", "guest.max-rounds", "10")));
        vm.setOutputGate(held::add); // the VM already runs: its first writes may pass ungated
        int gated = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!vm.state().isTerminal() && System.nanoTime() < deadline) {
            PendingOutput write = held.poll(100, TimeUnit.MILLISECONDS);
            if (write == null) {
                continue;
            }
            assertEquals(OutputKind.DISK_WRITE, write.kind());
            assertEquals(4096, write.size());
            Thread.sleep(5); // the guest polls (WAIT 1 ms) meanwhile and submits nothing else
            assertTrue("one write in flight at a time", held.isEmpty());
            write.release();
            gated++;
        }
        assertEquals(vm.failureReason().orElse(""), org.kemari.api.hv.VmState.STOPPED, vm.state());
        assertTrue("writes through the gate: " + gated, gated >= 5);
        byte[] image = Files.readAllBytes(disk);
        for (int block = 0; block < 10; block++) {
            assertEquals("block " + block + " magic", 0x314B434F4C424D4BL,
                    java.nio.ByteBuffer.wrap(image, block * 4096, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
        }
    }

    private static byte[] await(BlockingQueue<byte[]> frames, Predicate<byte[]> wanted, long millis)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            byte[] f = frames.poll(left, TimeUnit.NANOSECONDS);
            if (f != null && wanted.test(f)) {
                return f;
            }
        }
    }
}
