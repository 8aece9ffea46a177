package org.kemari.itests.failover;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.kemari.guest.GuestKvLog;

/**
 * The TCP failover scenario of {@link TcpFailoverIT} (nodes in host namespaces) and
 * {@link LabFailoverIT} (emulated hosts): a VM running the guest's KV server, a client in the client
 * namespace holding one TCP connection to it, the primary killed at random moments, the killed
 * node brought back as the new standby each time. Checked from outside both nodes after every
 * kill and at the end: no reset, a history a single store explains, every acknowledged PUT read
 * back and in the log on the disk. Outages are reported, never asserted.
 */
final class TcpFailoverRun {
    static final int KV_PORT = 9000;
    /** Answers this long after the client heard from the new primary still count to the failover's outage. */
    private static final long OUTAGE_WINDOW_AFTER_ANSWER_MICROS = 300_000;

    private final TwoNodeCluster cluster;
    private final String label;
    private final String tag;
    private final Path report;
    private final long diskBytes;

    /**
     * @param label what the report lines name the run by (e.g. the storage mode)
     * @param tag the report lines' prefix, e.g. "tcp-failover"
     */
    TcpFailoverRun(TwoNodeCluster cluster, String label, String tag, Path report, long diskBytes) {
        this.cluster = cluster;
        this.label = label;
        this.tag = tag;
        this.report = report;
        this.diskBytes = diskBytes;
    }

    /** Runs {@code iterations} kill points, each after a random time protected in [minMillis, maxMillis]. */
    void run(int iterations, long seed, long minMillis, long maxMillis) throws Exception {
        Random random = new Random(seed);
        log("%s: %d kill points, seed %d (-Dkemari.failover.seed=%d repeats the timing)", label, iterations, seed, seed);
        log("VM %s on %s, disk %s: %s", cluster.vmName, cluster.primary().name(), cluster.disk().argument(),
                cluster.startVm("--workload kv").strip());
        KvClientProcess client = KvClientProcess.start(cluster.network, KV_PORT, seed, cluster.workDir().resolve("kv-client.err"));
        cluster.attachClient(client);
        log("client %s:%s -> guest %s:%d, one TCP connection", cluster.network.clientAddress, client.localPort(),
                cluster.network.guestAddress, KV_PORT);

        List<Long> outages = new ArrayList<>();
        for (int i = 1; i <= iterations; i++) {
            String roles = cluster.primary().name() + " -> " + cluster.standby().name();
            cluster.protect();
            long protectedMillis = minMillis + (long) (random.nextDouble() * (maxMillis - minMillis));
            Thread.sleep(protectedMillis);
            log("   %s before the kill: %s", cluster.primary().name(), statusRow(cluster.primary().execute("kemari:status " + cluster.vmName)));
            int before = client.count();

            TwoNodeCluster.Takeover takeover = cluster.killPrimary();
            String context = "iteration " + i + " (" + label + ", " + roles + ", killed after " + protectedMillis
                    + " ms protected, seed " + seed + ")";
            assertEquals(context + ": the client's connection broke", List.of(), client.errors());
            KvHistory history = new KvHistory(client.exchanges());
            assertNull(context, history.violation());
            KvExchange longest = history.longestWait(takeover.killMicros(),
                    takeover.killMicros() + takeover.answeredAfterMicros() + OUTAGE_WINDOW_AFTER_ANSWER_MICROS);
            outages.add(longest.latencyMicros());
            log("%2d %s killed after %4d ms (gone in %.1f ms, VM seen running on %s after %.1f ms): %s;"
                    + " client outage %6.1f ms (longest wait: %s, answered %.1f ms after the kill), %d requests answered before",
                    i, roles, protectedMillis, takeover.killDurationMicros() / 1000.0, takeover.survivor(),
                    takeover.runningAfterMicros() / 1000.0, takeover.takeoverMessage(), longest.latencyMicros() / 1000.0, longest,
                    (longest.repliedMicros() - takeover.killMicros()) / 1000.0, before);

            long back = System.nanoTime();
            cluster.restartKilledNodeAsStandby();
            log("   %s is back as the standby after %.1f s", cluster.standby().name(), (System.nanoTime() - back) / 1e9);
            assertEquals(context + ": the client's connection broke while the node came back", List.of(), client.errors());
        }

        assertTrue("the client did not read back every key and end with QUIT/BYE on its one connection: "
                + client.complaints(), client.finish(60_000));
        KvHistory history = new KvHistory(client.exchanges());
        assertNull("the client's whole history (" + label + ", seed " + seed + ")", history.violation());
        cluster.stopVm();
        List<GuestKvLog.Put> acknowledged = history.acknowledgedPuts();
        Path image = cluster.currentDiskImage();
        assertNull("acknowledged PUT missing from the log on " + image, GuestKvLog.verify(image,
                GuestKvLog.defaultLogStart(diskBytes), acknowledged));
        log("%s: %d requests on one connection (port %s), %d PUTs acknowledged and on disk, %d GETs right, no reset",
                label, history.count(x -> true), client.localPort(), acknowledged.size(), history.count(KvExchange::isGet));
        log("%s: client-observed outages (ms): %s", label, outages.stream().map(o -> String.format("%.1f", o / 1000.0)).toList());
        log("%s: median outage %.1f ms, longest %.1f ms over %d failovers", label, TwoNodeFailoverIT.median(outages) / 1000.0,
                outages.stream().mapToLong(Long::longValue).max().orElse(0) / 1000.0, outages.size());
        assertEquals(iterations, outages.size());
    }

    /** The VM's row of a kemari:status output (state, epochs, pause times), blanks squeezed. */
    private String statusRow(String status) {
        return status.lines().map(String::strip).filter(l -> l.startsWith(cluster.vmName + " ")).map(l -> l.replaceAll("\\s+", " "))
                .findFirst().orElse("(no status row)");
    }

    static long seed() {
        String given = System.getProperty("kemari.failover.seed", "");
        return given.isBlank() ? System.nanoTime() : Long.parseLong(given.trim());
    }

    /** To the test's output and to the report file, which grows while the test runs. */
    private void log(String format, Object... args) {
        String line = "[" + tag + "] " + String.format(format, args);
        System.out.println(line);
        try {
            Files.createDirectories(report.getParent());
            Files.writeString(report, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report " + report, e);
        }
    }
}
