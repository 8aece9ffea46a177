package org.kemari.itests.failover;

import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.After;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Host deaths in the lab (docs/lab.md): two emulated hosts, each a QEMU machine with its own kernel,
 * nested KVM and Kemari node, a protected VM serving TCP from host a, a client in its own
 * namespace on the service network holding one connection to it, and the primary host's QEMU
 * killed with SIGKILL at random moments (a power cut of the whole machine, not of a JVM). The
 * standby host takes over, the dead host comes back (restored from its save) and protects the VM
 * again, with the roles alternating. The checks are {@link TcpFailoverRun}'s, made from outside
 * both hosts: no reset, no lost or repeated acknowledged PUT, every PUT in the log on the shared
 * disk (a real nbd-server on the service network).
 *
 * <p>Runs on any Linux machine with root, /dev/net/tun and ip netns, with or without /dev/kvm: the
 * hosts need none. {@code -Dkemari.lab.iterations=N} host deaths (default 10),
 * {@code -Dkemari.failover.seed=S} repeats a run's timing. Report: {@code target/lab-failover/report.txt};
 * each host's console and node log: {@code target/lab-failover/hosts/<host>/}.
 */
public class LabFailoverIT {
    /** 128 MiB: the upper half is the KV log, room for the client's PUTs over a long run. */
    private static final long DISK_BYTES = 128L << 20;
    private static final long MIN_PROTECTED_MILLIS = 500;
    private static final long MAX_PROTECTED_MILLIS = 5_000;
    private static final Path WORK_DIR = Path.of("target", "lab-failover").toAbsolutePath();
    private static final Path REPORT = WORK_DIR.resolve("report.txt");

    /**
     * The build reruns failed tests (kemari.test.reruns); this one takes ~12 minutes, so it runs at
     * most twice: once more after a failure (surefire then lists it as flaky, with the first run's
     * failure), its first run's host logs kept in {@code hosts-first-run/}. A third run fails at once.
     */
    private static int runsInThisJvm;

    private TwoNodeCluster cluster;

    @BeforeClass
    public static void newReport() throws IOException {
        Files.deleteIfExists(REPORT);
    }

    @Before
    public void setUp() throws Exception {
        if (runsInThisJvm >= 2) {
            throw new AssertionError("not run a third time: the lab failover test failed twice (see " + REPORT
                    + " and the hosts' logs beside it)");
        }
        String noNetwork = FailoverNetwork.unavailableBecause();
        assumeTrue("lab failover test skipped: " + noNetwork, noNetwork == null);
        Path assembly = Path.of(System.getProperty("kemari.assembly", ""));
        assumeTrue("lab failover test skipped: no distribution (kemari.assembly)", Files.isRegularFile(assembly));
        if (runsInThisJvm == 1) {
            keepFirstRunsHostLogs();
        }
        runsInThisJvm++;
        cluster = TwoNodeCluster.startInLab(assembly, WORK_DIR, DISK_BYTES);
    }

    private static void keepFirstRunsHostLogs() throws IOException {
        Path hosts = WORK_DIR.resolve("hosts");
        Path kept = WORK_DIR.resolve("hosts-first-run");
        if (Files.isDirectory(hosts) && !Files.exists(kept)) {
            Files.move(hosts, kept);
        }
        System.out.println("lab failover: the first run failed (its hosts' logs: " + kept + "); running it once more");
    }

    @After
    public void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    public void oneTcpConnectionSurvivesTheDeathOfEitherHost() throws Exception {
        new TcpFailoverRun(cluster, "lab failover (emulated hosts, shared NBD storage)", "lab-failover", REPORT, DISK_BYTES)
                .run(Integer.getInteger("kemari.lab.iterations", 10), TcpFailoverRun.seed(), MIN_PROTECTED_MILLIS, MAX_PROTECTED_MILLIS);
    }
}
