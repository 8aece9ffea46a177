package org.kemari.itests.failover;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.After;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.kemari.guest.GuestKvLog;

/**
 * Transparent failover over a real network, TCP included: two Karaf nodes, each in its host's
 * network namespace (docs/test-topology.md), a protected VM running the guest's KV server
 * (docs/specs/guest-abi.md, KV_SERVER) on the TAP of the active host, and a client in the client
 * namespace that holds one TCP connection to it and sends PUTs and GETs without pause. The primary
 * is killed with SIGKILL at random moments; the standby takes over, its TAP announces the VM's MAC
 * (RARP), and the client's traffic finds the VM there with no change on the client.
 *
 * <p>Checked from outside both nodes: the connection is never reset (no error, the same socket
 * to the end, which QUITs with BYE), the history is one a single store explains (the n-th PUT
 * answered {@code OK n}, every GET the latest value), every key reads back its last acknowledged
 * value at the end, and every acknowledged PUT is in the log region on the disk the VM ended on
 * with its seq. The outage the client saw (longest wait for a reply around each kill) is reported
 * with its median; no timing is asserted.
 *
 * <p>Parameterised by storage mode: {@code -Dkemari.failover.storage=shared-file,nbd,replicated}
 * (the default: all three). {@code -Dkemari.tcp.iterations=N} kill points per mode (default 10),
 * {@code -Dkemari.failover.seed=S} repeats a run's timing. The guest's log holds 32768 PUTs, about
 * 7 minutes of the client's traffic (some 50 kill points); past that PUTs get {@code ERR log full}
 * and the history check names it. Skipped without root, /dev/kvm,
 * /dev/net/tun, ip netns, unshare; the NBD mode without nbd-server.
 */
@RunWith(Parameterized.class)
public class TcpFailoverIT {
    /** 32 MiB: the upper half is the KV log (32768 records), room for a long soak at the client's pace. */
    private static final long DISK_BYTES = 32L << 20;
    private static final int KV_PORT = 9000;
    private static final long MIN_PROTECTED_MILLIS = 300;
    private static final long MAX_PROTECTED_MILLIS = 2_500;
    /** Answers this long after the client heard from the new primary still count to the failover's outage. */
    private static final long OUTAGE_WINDOW_AFTER_ANSWER_MICROS = 300_000;

    private static final Path WORK_ROOT = Path.of("target", "failover-tcp").toAbsolutePath();
    private static final Path REPORT = WORK_ROOT.resolve("report.txt");

    @Parameterized.Parameters(name = "{0}")
    public static List<Object[]> storageModes() {
        return Arrays.stream(System.getProperty("kemari.failover.storage", "shared-file,nbd,replicated").split(","))
                .filter(s -> !s.isBlank()).map(s -> new Object[] {StorageMode.byLabel(s)}).toList();
    }

    private final StorageMode storage;
    private TwoNodeCluster cluster;
    private KvClientProcess client;

    public TcpFailoverIT(StorageMode storage) {
        this.storage = storage;
    }

    @BeforeClass
    public static void newReport() throws IOException {
        Files.createDirectories(WORK_ROOT);
        Files.deleteIfExists(REPORT);
    }

    @Before
    public void setUp() throws Exception {
        String noNetwork = FailoverNetwork.unavailableBecause();
        assumeTrue("TCP failover test skipped: " + noNetwork, noNetwork == null);
        assumeTrue("TCP failover test skipped: needs /dev/kvm (read-write)", Files.isWritable(Path.of("/dev/kvm")));
        Path assembly = Path.of(System.getProperty("kemari.assembly", ""));
        assumeTrue("TCP failover test skipped: no distribution (kemari.assembly)", Files.isRegularFile(assembly));
        assumeTrue("TCP failover test with NBD storage skipped: nbd-server is not installed (scripts/setup.sh)",
                storage != StorageMode.SHARED_NBD || NbdServer.binary().isPresent());
        Files.createDirectories(WORK_ROOT);
        cluster = TwoNodeCluster.start(assembly, WORK_ROOT.resolve(storage.label), storage, DISK_BYTES);
    }

    @After
    public void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    public void oneTcpConnectionSurvivesEveryFailoverWithNoLostAcknowledgedPut() throws Exception {
        int iterations = Integer.getInteger("kemari.tcp.iterations", 10);
        long seed = seed();
        Random random = new Random(seed);
        log("TCP failover, %s storage: %d kill points, seed %d (-Dkemari.failover.seed=%d repeats the timing)", storage,
                iterations, seed, seed);
        log("VM %s on %s, disk %s: %s", cluster.vmName, cluster.primary().name(), cluster.disk().argument(),
                cluster.startVm("--workload kv").strip());
        client = KvClientProcess.start(cluster.network, KV_PORT, seed, cluster.workDir().resolve("kv-client.err"));
        cluster.attachClient(client);
        log("client %s:%s -> guest %s:%d, one TCP connection", cluster.network.clientAddress, client.localPort(),
                cluster.network.guestAddress, KV_PORT);

        List<Long> outages = new ArrayList<>();
        for (int i = 1; i <= iterations; i++) {
            String roles = cluster.primary().name() + " -> " + cluster.standby().name();
            cluster.protect();
            long protectedMillis = MIN_PROTECTED_MILLIS + (long) (random.nextDouble() * (MAX_PROTECTED_MILLIS - MIN_PROTECTED_MILLIS));
            Thread.sleep(protectedMillis);
            int before = client.count();

            TwoNodeCluster.Takeover takeover = cluster.killPrimary();
            String context = "iteration " + i + " (" + storage + ", " + roles + ", killed after " + protectedMillis
                    + " ms protected, seed " + seed + ")";
            assertEquals(context + ": the client's connection broke", List.of(), client.errors());
            KvHistory history = new KvHistory(client.exchanges());
            assertNull(context, history.violation());
            KvExchange longest = history.longestWait(takeover.killMicros(),
                    takeover.killMicros() + takeover.answeredAfterMicros() + OUTAGE_WINDOW_AFTER_ANSWER_MICROS);
            outages.add(longest.latencyMicros());
            log("%2d %s killed after %4d ms (JVM gone in %.1f ms, VM seen running on %s after %.1f ms): %s;"
                    + " client outage %6.1f ms (longest wait: %s, answered %.1f ms after the kill), %d requests answered before",
                    i, roles, protectedMillis, takeover.killDurationMicros() / 1000.0, takeover.survivor(),
                    takeover.runningAfterMicros() / 1000.0, takeover.takeoverMessage(), longest.latencyMicros() / 1000.0, longest,
                    (longest.repliedMicros() - takeover.killMicros()) / 1000.0, before);

            cluster.restartKilledNodeAsStandby();
            assertEquals(context + ": the client's connection broke while the node came back", List.of(), client.errors());
        }

        assertTrue("the client did not read back every key and end with QUIT/BYE on its one connection: "
                + client.complaints(), client.finish(60_000));
        KvHistory history = new KvHistory(client.exchanges());
        assertNull("the client's whole history (" + storage + ", seed " + seed + ")", history.violation());
        cluster.stopVm();
        List<GuestKvLog.Put> acknowledged = history.acknowledgedPuts();
        Path image = cluster.currentDiskImage();
        assertNull("acknowledged PUT missing from the log on " + image, GuestKvLog.verify(image,
                GuestKvLog.defaultLogStart(DISK_BYTES), acknowledged));
        log("%s: %d requests on one connection (port %s), %d PUTs acknowledged and on disk, %d GETs right, no reset",
                storage, history.count(x -> true), client.localPort(), acknowledged.size(), history.count(KvExchange::isGet));
        log("%s: client-observed outages (ms): %s", storage, outages.stream().map(o -> String.format("%.1f", o / 1000.0)).toList());
        log("%s: median outage %.1f ms, longest %.1f ms over %d failovers", storage, TwoNodeFailoverIT.median(outages) / 1000.0,
                outages.stream().mapToLong(Long::longValue).max().orElse(0) / 1000.0, outages.size());
        assertEquals(iterations, outages.size());
    }

    private static long seed() {
        String given = System.getProperty("kemari.failover.seed", "");
        return given.isBlank() ? System.nanoTime() : Long.parseLong(given.trim());
    }

    /** To the test's output and to target/failover-tcp/report.txt, which grows while the test runs. */
    private static void log(String format, Object... args) {
        String line = "[tcp-failover] " + String.format(format, args);
        System.out.println(line);
        try {
            Files.writeString(REPORT, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.out.println("[tcp-failover] (report file: " + e.getMessage() + ")");
        }
    }
}
