package org.kemari.itests.failover;

import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.After;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;

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
 * (the default: all three). Where this machine has no usable /dev/kvm (or {@code -Dkemari.lab=true})
 * the two hosts are lab hosts (docs/lab.md): the default is then shared-file (one raw image that
 * is both hosts' /dev/vdc) and replicated (each host's own image as its /dev/vdc), with 5 kill
 * points each (a host's life costs about a minute there); LabFailoverIT is the NBD run on the lab.
 * {@code -Dkemari.tcp.iterations=N} kill points per mode (default 10),
 * {@code -Dkemari.failover.seed=S} repeats a run's timing. The guest's log holds 32768 PUTs, about
 * 7 minutes of the client's traffic (some 50 kill points); past that PUTs get {@code ERR log full}
 * and the history check names it. Skipped without root, /dev/net/tun, ip netns, unshare; the
 * NBD mode without nbd-server.
 */
@RunWith(Parameterized.class)
public class TcpFailoverIT {
    /** 32 MiB: the upper half is the KV log (32768 records), room for a long soak at the client's pace. */
    private static final long DISK_BYTES = 32L << 20;
    private static final long MIN_PROTECTED_MILLIS = 300;
    private static final long MAX_PROTECTED_MILLIS = 2_500;

    private static final Path WORK_ROOT = Path.of("target", "failover-tcp").toAbsolutePath();
    private static final Path REPORT = WORK_ROOT.resolve("report.txt");

    /** On lab hosts (no usable /dev/kvm here, or -Dkemari.lab=true). */
    private static final boolean LAB = LabHost.standsIn();

    @Parameterized.Parameters(name = "{0}")
    public static List<Object[]> storageModes() {
        // In the lab, NBD is LabFailoverIT's run.
        String modes = System.getProperty("kemari.failover.storage", "");
        if (modes.isBlank()) {
            modes = LAB ? "shared-file,replicated" : "shared-file,nbd,replicated";
        }
        return Arrays.stream(modes.split(","))
                .filter(s -> !s.isBlank()).map(s -> new Object[] {StorageMode.byLabel(s)}).toList();
    }

    private final StorageMode storage;
    private TwoNodeCluster cluster;

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
        Path assembly = Path.of(System.getProperty("kemari.assembly", ""));
        assumeTrue("TCP failover test skipped: no distribution (kemari.assembly)", Files.isRegularFile(assembly));
        assumeTrue("TCP failover test with NBD storage skipped: nbd-server is not installed (scripts/setup.sh)",
                storage != StorageMode.SHARED_NBD || NbdServer.binary().isPresent());
        Files.createDirectories(WORK_ROOT);
        cluster = LAB ? TwoNodeCluster.startInLab(assembly, WORK_ROOT.resolve(storage.label), storage, DISK_BYTES)
                : TwoNodeCluster.start(assembly, WORK_ROOT.resolve(storage.label), storage, DISK_BYTES);
    }

    @After
    public void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    public void oneTcpConnectionSurvivesEveryFailoverWithNoLostAcknowledgedPut() throws Exception {
        new TcpFailoverRun(cluster, "TCP failover, " + storage + " storage" + (LAB ? ", on lab hosts" : ""), "tcp-failover",
                REPORT, DISK_BYTES).run(Integer.getInteger("kemari.tcp.iterations", LAB ? 5 : 10), TcpFailoverRun.seed(),
                        MIN_PROTECTED_MILLIS * (LAB ? 2 : 1), MAX_PROTECTED_MILLIS * (LAB ? 2 : 1));
    }
}
