package org.kemari.hv.kvm.internal.virtio;

import static org.junit.Assert.*;
import static org.junit.Assume.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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
import org.kemari.api.hv.VmState;
import org.kemari.api.hv.VmSpec.DiskSpec;
import org.kemari.api.hv.VmSpec.NicSpec;
import org.kemari.api.io.OutputKind;
import org.kemari.api.io.PendingOutput;
import org.kemari.hv.kvm.internal.KvmBackend;
import org.kemari.hv.kvm.internal.net.NetPairRegistry;
import org.kemari.testing.TestTime;

/**
 * The test guest's KV_SERVER (docs/specs/guest-abi.md) with the host's Linux TCP stack as the
 * client: a java.net.Socket over a real TAP device, the guest's TCP and the KV line protocol
 * (sequential and pipelined requests, errors, two connections at once, orderly close both ways,
 * reconnect), every acknowledged PUT found in the disk's log region; and recovery from guest
 * segments the VMM's output gate drops (SYN-ACK, a reply, a FIN, one segment of a burst). Needs
 * /dev/kvm and, for the TAP tests, root; skipped otherwise. Also: DISK_WRITER and KV_SERVER on one
 * disk (over an in-process pair, no traffic).
 */
public class TestGuestKvServerTest {
    /** Not the guest's default (9000): proves guest.kv-port reaches the guest. */
    private static final int KV_PORT = 9100;
    private static final int DISK_BYTES = 4 << 20;
    private static final int BLOCK = 4096;
    private static final int SLOT = 512;
    /** "KMKVREC1" as a little-endian u64. */
    private static final long RECORD_MAGIC = 0x31434552564B4D4BL;
    /** Status area (RAM address = guest-physical address 0x1800) offsets, docs/specs/guest-abi.md. */
    private static final long STATUS_AREA = 0x1800;
    private static final int ST_KV_PUTS = 0x88;
    private static final int ST_KV_LOG_START = 0xA0;
    private static final int ST_TCP_CONNECTIONS = 0xC0;
    private static final int ST_TCP_RETRANSMITS = 0xC8;
    private static final int ST_TCP_RESETS_SENT = 0xD0;
    private static final int ST_TSC_PER_MS = 0xD8;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private String tapName;
    private String pairName;
    private Vm vm;
    private Path disk;
    private InetAddress host;
    private InetAddress guest;
    private final List<Socket> sockets = new ArrayList<>();

    @Before
    public void setUp() throws Exception {
        Path kvm = Path.of("/dev/kvm");
        assumeTrue("/dev/kvm is missing or inaccessible: skipped", Files.isReadable(kvm) && Files.isWritable(kvm));
        disk = tmp.newFile("vda.img").toPath();
        Files.write(disk, new byte[DISK_BYTES]);
    }

    @After
    public void tearDown() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        if (vm != null) {
            vm.close();
        }
        if (pairName != null) {
            NetPairRegistry.remove(pairName);
        }
        if (tapName != null && Files.exists(Path.of("/sys/class/net", tapName))) {
            assertEquals("could not delete test TAP " + tapName, 0, run("ip", "link", "del", tapName));
        }
    }

    /** A guest with the KV server on a fresh TAP in its own 198.18.0.0/15 /30; the host side gets .1. */
    private void boot(String name, Map<String, String> extra) throws Exception {
        assumeTrue("needs root for a TAP device: skipped", "root".equals(System.getProperty("user.name")));
        assumeTrue("needs /dev/net/tun: skipped", Files.exists(Path.of("/dev/net/tun")));
        tapName = String.format("kmk%08x", ThreadLocalRandom.current().nextInt());
        int net = 0xC6120000 | (ThreadLocalRandom.current().nextInt(1 << 15) << 2);
        Map<String, String> options = new HashMap<>(extra);
        options.put("guest.workloads", "kv");
        options.put("guest.ipv4", ipv4(net + 2));
        options.put("guest.kv-port", Integer.toString(KV_PORT));
        vm = new KvmBackend().create(new VmSpec(name, 64 << 20, 1, VmSpec.TEST_GUEST,
                List.of(new DiskSpec("vda", disk.toString(), false)),
                List.of(new NicSpec("net0", "52:54:00:4b:4d:01", "tap:" + tapName)), options));
        assertEquals(0, run("ip", "addr", "add", ipv4(net + 1) + "/30", "dev", tapName));
        host = InetAddress.getByName(ipv4(net + 1));
        guest = InetAddress.getByName(ipv4(net + 2));
    }

    @Test(timeout = 180_000)
    public void linuxClientTalksToTheKvServer() throws Exception {
        boot("kv-tap", Map.of());
        Map<String, String> expected = new HashMap<>();
        List<String[]> acknowledged = new ArrayList<>(); // index = seq: {key, value}

        Client a = connect(30_000);
        // Sequential requests, one round trip each.
        for (int i = 0; i < 40; i++) {
            String key = "seq-" + i;
            String value = "value " + i + " " + "x".repeat(i * 5);
            assertEquals("OK " + acknowledged.size(), a.ask("PUT " + key + " " + value));
            acknowledged.add(new String[] {key, value});
            expected.put(key, value);
        }
        for (int i = 0; i < 40; i += 3) {
            assertEquals("VALUE " + expected.get("seq-" + i), a.ask("GET seq-" + i));
        }
        assertEquals("NONE", a.ask("GET never-written"));

        // Pipelined: 150 PUTs and GETs in one write (many segments), answered in order.
        StringBuilder batch = new StringBuilder();
        List<String> wanted = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            String key = "pipe-" + (i % 50); // keys are overwritten: GET sees the latest
            String value = "p" + i + "-" + "y".repeat(i % 200);
            batch.append("PUT ").append(key).append(' ').append(value).append('\n');
            wanted.add("OK " + acknowledged.size());
            acknowledged.add(new String[] {key, value});
            expected.put(key, value);
            batch.append("GET ").append(key).append('\n');
            wanted.add("VALUE " + value);
        }
        a.send(batch.toString());
        for (int i = 0; i < wanted.size(); i++) {
            assertEquals("pipelined reply " + i, wanted.get(i), a.line());
        }

        // Malformed lines: one ERR each, in order, and the connection keeps working.
        a.send("FROB x\nPUT onlykey\nGET\nGET two words\nPUT " + "k".repeat(65) + " v\nPUT k " + "v".repeat(257)
                + "\n\n" + "z".repeat(1000) + "\nPUT after-errors fine\r\n");
        assertEquals("ERR unknown command", a.line());
        assertEquals("ERR usage: PUT <key> <value>", a.line());
        assertEquals("ERR usage: GET <key>", a.line());
        assertEquals("ERR bad key", a.line());
        assertEquals("ERR bad key", a.line());
        assertEquals("ERR bad value", a.line());
        assertEquals("ERR empty line", a.line());
        assertEquals("ERR line too long", a.line());
        assertEquals("OK " + acknowledged.size(), a.line());
        acknowledged.add(new String[] {"after-errors", "fine"});
        expected.put("after-errors", "fine");

        // A second connection at the same time sees the same store.
        Client b = connect(10_000);
        assertEquals("VALUE fine", b.ask("GET after-errors"));
        assertEquals("OK " + acknowledged.size(), b.ask("PUT from-b hello from b"));
        acknowledged.add(new String[] {"from-b", "hello from b"});
        assertEquals("VALUE hello from b", a.ask("GET from-b"));
        String stats = b.ask("STATS");
        assertTrue(stats, stats.startsWith("STATS puts=" + acknowledged.size() + " "));
        assertTrue(stats, stats.contains(" conns=2 "));

        // Orderly close started by the client: the guest answers what was sent, then its FIN (EOF here).
        a.send("GET seq-1\n");
        a.socket.shutdownOutput();
        assertEquals("VALUE " + expected.get("seq-1"), a.line());
        assertNull("EOF after the client's FIN", a.line());
        a.socket.close();

        // Orderly close started by the guest.
        assertEquals("BYE", b.ask("QUIT"));
        assertNull("EOF after BYE", b.line());
        b.socket.close();

        // Reconnect: the store survived the connections.
        Client c = connect(10_000);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertEquals(e.getKey(), "VALUE " + e.getValue(), c.ask("GET " + e.getKey()));
        }
        c.socket.shutdownOutput();
        assertNull(c.line());

        // A closed port answers with RST: connection refused, not a timeout.
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(host, 0));
            s.connect(new InetSocketAddress(guest, KV_PORT + 1), 5_000);
            fail("connected to a closed port");
        } catch (ConnectException expectedRefusal) {
            // RST
        }

        ByteBuffer st = statusArea();
        assertEquals("kv_puts", acknowledged.size(), st.getLong(ST_KV_PUTS));
        assertTrue("tcp_connections", st.getLong(ST_TCP_CONNECTIONS) >= 3);
        assertTrue("tcp_resets_sent", st.getLong(ST_TCP_RESETS_SENT) >= 1);
        assertTrue("tsc calibrated", st.getLong(ST_TSC_PER_MS) >= 1000);
        assertEquals("default log region: the upper half of the disk", DISK_BYTES / BLOCK / 2, st.getLong(ST_KV_LOG_START));
        assertLogHolds(acknowledged, st.getLong(ST_KV_LOG_START));
    }

    @Test(timeout = 180_000)
    public void droppedGuestSegmentsAreRetransmitted() throws Exception {
        boot("kv-loss", Map.of("guest.kv-log-start", "100", "guest.kv-log-blocks", "20"));
        List<String> dropped = new CopyOnWriteArrayList<>();
        List<DropRule> rules = List.of(
                // Every SYN-ACK until the guest's timer has resent one: the guest answers a repeated
                // SYN at once, without its timer, so the client's own SYN retry (Linux: after 1 s)
                // would race the guest's 500 ms timer, a race a VMM slowed by emulation loses.
                new DropRule("SYN-ACK", f -> f.has(SYN) && f.has(ACK), () -> retransmits() == 0),
                new DropRule("reply", f -> f.payload().startsWith("VALUE the reply to GET is lost once")),
                new DropRule("burst segment", f -> f.payload().contains("OK 25\n")),
                new DropRule("FIN", f -> f.has(FIN)));
        vm.setOutputGate(out -> {
            GuestSegment seg = GuestSegment.of(out);
            if (seg != null) {
                for (DropRule r : rules) {
                    if ((!r.done || r.again.getAsBoolean()) && r.matches.test(seg)) {
                        if (!r.done) {
                            dropped.add(r.name);
                        }
                        r.done = true;
                        out.discard(); // lost on the wire, as far as the client can tell
                        return;
                    }
                }
            }
            try {
                out.release();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });

        Client a = connect(30_000);
        assertTrue("SYN-ACK dropped: " + dropped, dropped.contains("SYN-ACK"));
        assertTrue("the guest resent its SYN-ACK", retransmits() >= 1);

        assertEquals("OK 0", a.ask("PUT lost-reply the reply to GET is lost once"));
        long before = retransmits();
        assertEquals("VALUE the reply to GET is lost once", a.ask("GET lost-reply"));
        assertTrue("reply dropped: " + dropped, dropped.contains("reply"));

        // A burst of pipelined replies with one segment lost in the middle: the client's
        // duplicate ACKs (fast retransmit) or the timer bring it back, and the order holds.
        StringBuilder batch = new StringBuilder();
        for (int i = 1; i <= 60; i++) {
            batch.append("PUT burst-").append(i).append(' ').append("b".repeat(100)).append('\n');
        }
        a.send(batch.toString());
        for (int i = 1; i <= 60; i++) {
            assertEquals("OK " + i, a.line());
        }
        assertTrue("burst segment dropped: " + dropped, dropped.contains("burst segment"));

        assertEquals("BYE", a.ask("QUIT"));
        assertNull("EOF: the FIN came again", a.line());
        assertTrue("FIN dropped: " + dropped, dropped.contains("FIN"));
        assertTrue("retransmissions after the first: " + before + " -> " + retransmits(), retransmits() > before);

        // The connection slot was released properly: a new connection works.
        Client b = connect(10_000);
        assertEquals("VALUE " + "b".repeat(100), b.ask("GET burst-60"));
        b.socket.shutdownOutput();
        assertNull(b.line());

        // The configured log region (blocks 100..119) holds all 61 records, in spite of the losses.
        assertEquals(100, statusArea().getLong(ST_KV_LOG_START));
        List<String[]> acknowledged = new ArrayList<>();
        acknowledged.add(new String[] {"lost-reply", "the reply to GET is lost once"});
        for (int i = 1; i <= 60; i++) {
            acknowledged.add(new String[] {"burst-" + i, "b".repeat(100)});
        }
        assertLogHolds(acknowledged, 100);
    }

    /** DISK_WRITER and KV_SERVER share the disk: the writer stays below the log region. */
    @Test(timeout = 120_000)
    public void diskWriterStaysBelowTheKvLog() throws Exception {
        int blocks = DISK_BYTES / BLOCK;
        vm = diskAndKv("kv-disk", Map.of("guest.max-rounds", "700"));
        assertTrue("the guest did not finish", awaitTerminal(60));
        assertEquals(vm.failureReason().orElse(""), VmState.STOPPED, vm.state());
        assertEquals(700, statusArea().getLong(0x20)); // disk_writes_acked
        assertEquals(blocks / 2, statusArea().getLong(ST_KV_LOG_START));
        ByteBuffer image = ByteBuffer.wrap(Files.readAllBytes(disk)).order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < blocks; b++) {
            boolean written = image.getLong(b * BLOCK) == 0x314B434F4C424D4BL; // "KMBLOCK1"
            assertEquals("block " + b + " written by the DISK_WRITER", b < Math.min(700, blocks / 2), written);
        }
    }

    @Test(timeout = 120_000)
    public void diskWriterReachingIntoTheKvLogIsRefused() throws Exception {
        vm = diskAndKv("kv-overlap", Map.of("guest.disk-blocks", Integer.toString(DISK_BYTES / BLOCK / 2 + 1)));
        assertTrue("the guest did not stop", awaitTerminal(60));
        assertEquals(VmState.FAILED, vm.state());
        assertEquals("PANIC 0x204 (configuration does not fit)", 0x204, statusArea().getLong(0x58));
    }

    private Vm diskAndKv(String name, Map<String, String> extra) throws Exception {
        pairName = "kv-" + ThreadLocalRandom.current().nextInt(1 << 30);
        NetPairRegistry.create(pairName);
        Map<String, String> options = new HashMap<>(extra);
        options.put("guest.workloads", "disk,kv");
        options.put("guest.ipv4", "10.0.0.2");
        return new KvmBackend().create(new VmSpec(name, 64 << 20, 1, VmSpec.TEST_GUEST,
                List.of(new DiskSpec("vda", disk.toString(), false)),
                List.of(new NicSpec("net0", "52:54:00:4b:4d:01", "pair:" + pairName)), options));
    }

    private boolean awaitTerminal(int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TestTime.millis(seconds * 1000L));
        while (!vm.state().isTerminal() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return vm.state().isTerminal();
    }

    private static final class DropRule {
        final String name;
        final Predicate<GuestSegment> matches;
        /** After the first drop: whether a further match is dropped too. */
        final java.util.function.BooleanSupplier again;
        volatile boolean done;

        DropRule(String name, Predicate<GuestSegment> matches) {
            this(name, matches, () -> false);
        }

        DropRule(String name, Predicate<GuestSegment> matches, java.util.function.BooleanSupplier again) {
            this.again = again;
            this.name = name;
            this.matches = matches;
        }
    }

    private static final int FIN = 0x01, SYN = 0x02, ACK = 0x10;

    /** A TCP segment the guest sent from the KV port, read out of the pending output's frame. */
    private record GuestSegment(int flags, byte[] data) {
        boolean has(int flag) {
            return (flags & flag) != 0;
        }

        String payload() {
            return new String(data, StandardCharsets.US_ASCII);
        }

        static GuestSegment of(PendingOutput out) {
            if (out.kind() != OutputKind.NET_FRAME) {
                return null;
            }
            byte[] f = frameOf(out);
            if (f.length < 54 || (f[12] & 0xff) != 0x08 || f[13] != 0 || f[23] != 6) {
                return null; // not IPv4/TCP
            }
            int ihl = (f[14] & 0x0f) * 4;
            int ipTotal = ((f[16] & 0xff) << 8) | (f[17] & 0xff);
            int t = 14 + ihl;
            int sport = ((f[t] & 0xff) << 8) | (f[t + 1] & 0xff);
            if (sport != KV_PORT) {
                return null;
            }
            int thl = ((f[t + 12] & 0xff) >> 4) * 4;
            int end = 14 + ipTotal;
            byte[] payload = java.util.Arrays.copyOfRange(f, t + thl, Math.max(t + thl, end));
            return new GuestSegment(f[t + 13] & 0xff, payload);
        }

        /** The frame bytes of a NetFrameOutput (a private field: this test reads what the guest sent). */
        private static byte[] frameOf(PendingOutput out) {
            try {
                Field f = out.getClass().getDeclaredField("frame");
                f.setAccessible(true);
                return (byte[]) f.get(out);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("cannot read the frame of " + out, e);
            }
        }
    }

    /** A line-oriented client over a plain Socket from the host's address on the TAP. */
    private final class Client {
        final Socket socket;
        final BufferedReader in;
        final OutputStream out;

        Client(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            this.out = socket.getOutputStream();
        }

        void send(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        String line() throws IOException {
            return in.readLine();
        }

        String ask(String request) throws IOException {
            send(request + "\n");
            return line();
        }
    }

    /** Connects, again while the guest is still starting (ARP, driver set-up) until the deadline. */
    private Client connect(long millis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TestTime.millis(millis));
        IOException last = null;
        while (System.nanoTime() < deadline) {
            Socket s = new Socket();
            sockets.add(s);
            try {
                s.bind(new InetSocketAddress(host, 0));
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(guest, KV_PORT), TestTime.millis(3_000));
                s.setSoTimeout(TestTime.millis(20_000));
                return new Client(s);
            } catch (IOException e) {
                last = e;
                s.close();
                Thread.sleep(200);
            }
        }
        throw new AssertionError("could not connect to the guest's KV server", last);
    }

    /** Every acknowledged PUT is a valid record at its seq in the log region, and nothing follows. */
    private void assertLogHolds(List<String[]> acknowledged, long logStart) throws IOException {
        ByteBuffer image = ByteBuffer.wrap(Files.readAllBytes(disk)).order(ByteOrder.LITTLE_ENDIAN);
        for (int seq = 0; seq <= acknowledged.size(); seq++) {
            int at = (int) (logStart * BLOCK) + seq * SLOT;
            if (seq == acknowledged.size()) {
                assertNotEquals("a record after the last acknowledged one", RECORD_MAGIC, image.getLong(at));
                break;
            }
            assertEquals("record " + seq + " magic", RECORD_MAGIC, image.getLong(at));
            assertEquals("record " + seq + " seq", seq, image.getLong(at + 8));
            int klen = image.getShort(at + 16) & 0xffff;
            int vlen = image.getShort(at + 18) & 0xffff;
            byte[] raw = new byte[SLOT];
            image.get(at, raw);
            assertEquals("record " + seq + " key", acknowledged.get(seq)[0], new String(raw, 24, klen, StandardCharsets.US_ASCII));
            assertEquals("record " + seq + " value", acknowledged.get(seq)[1],
                    new String(raw, 24 + klen, vlen, StandardCharsets.US_ASCII));
            assertEquals("record " + seq + " checksum", fnv1a64(raw, SLOT - 8), image.getLong(at + SLOT - 8));
        }
    }

    private static long fnv1a64(byte[] data, int len) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < len; i++) {
            h ^= data[i] & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    private ByteBuffer statusArea() {
        ByteBuffer st = ByteBuffer.allocate(0xE0).order(ByteOrder.LITTLE_ENDIAN);
        vm.memory().read(STATUS_AREA, st);
        return st;
    }

    private long retransmits() {
        return statusArea().getLong(ST_TCP_RETRANSMITS);
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
}
