package org.kemari.itests.failover;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What protection costs a request/response server in the lab (docs/benchmarks.md, "Lab"): two
 * emulated hosts, the test guest's KV server, a client on the service network sending one request
 * at a time back to back. Each repetition measures, in one sitting and in this order, a window
 * unprotected, one protected event-driven and one protected periodic (25 ms), and reports the
 * primary's epochs per second and median pause (kemari:status) for the protected ones. Medians over
 * repetitions; ratios are taken within a repetition. Run by {@code scripts/bench-lab.sh}.
 *
 * <p>Usage: {@code LabBench <distribution tar.gz> <work directory> [repetitions] [window seconds]}
 */
public final class LabBench {
    private static final long DISK_BYTES = 128L << 20;
    private static final String ENGINE = "org.kemari.engine";

    private LabBench() {
    }

    public static void main(String[] args) throws Exception {
        Path assembly = Path.of(args[0]);
        Path workDir = Path.of(args[1]).toAbsolutePath();
        int repetitions = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        long windowMillis = (args.length > 3 ? Long.parseLong(args[3]) : 10) * 1000;
        List<double[]> rows = new ArrayList<>();
        try (TwoNodeCluster cluster = TwoNodeCluster.startInLab(assembly, workDir, DISK_BYTES)) {
            FailoverNode primary = cluster.primary();
            System.out.println("VM: " + cluster.startVm("--workload kv").strip());
            KvClientProcess client = KvClientProcess.start(cluster.network, TcpFailoverRun.KV_PORT, 1, workDir.resolve("kv-client.err"), 0);
            cluster.attachClient(client);
            Thread.sleep(3_000);
            for (int r = 1; r <= repetitions; r++) {
                double unprotected = rate(client, windowMillis);
                double[] eventDriven = protectedWindow(cluster, client, windowMillis, "(kemari.checkpoint=event-driven)");
                double[] periodic = protectedWindow(cluster, client, windowMillis, "(kemari.checkpoint=periodic)");
                double[] row = {unprotected, eventDriven[0], eventDriven[1], eventDriven[2], periodic[0], periodic[1], periodic[2]};
                rows.add(row);
                System.out.printf("rep %d: requests/s unprotected %.1f, event-driven %.1f (%.0f epochs/s, pause %.0f us),"
                        + " periodic %.1f (%.0f epochs/s, pause %.0f us)%n", r, row[0], row[1], row[2], row[3], row[4], row[5], row[6]);
            }
            if (!client.errors().isEmpty()) {
                throw new IllegalStateException("the client's connection broke: " + client.errors());
            }
            primary.execute("kemari:vm-stop " + cluster.vmName);
        }
        System.out.println();
        System.out.println("| measurement (median of " + repetitions + ", " + windowMillis / 1000 + " s windows) | value |");
        System.out.println("|---|---|");
        print("requests/s, unprotected", rows, 0, "%.1f");
        print("requests/s, protected event-driven", rows, 1, "%.1f");
        print("requests/s, protected periodic 25 ms", rows, 4, "%.1f");
        printRatio("event-driven / unprotected", rows, 1);
        printRatio("periodic / unprotected", rows, 4);
        print("epochs/s, event-driven", rows, 2, "%.0f");
        print("epochs/s, periodic", rows, 5, "%.0f");
        print("median epoch pause (µs), event-driven", rows, 3, "%.0f");
        print("median epoch pause (µs), periodic", rows, 6, "%.0f");
    }

    /**
     * Protects the VM with the given checkpoint policy, lets it settle, measures one window and
     * ends protection. Returns requests/s, epochs/s and the median pause the primary reports.
     */
    private static double[] protectedWindow(TwoNodeCluster cluster, KvClientProcess client, long windowMillis, String policy)
            throws Exception {
        FailoverNode primary = cluster.primary();
        primary.execute("config:property-set -p " + ENGINE + " checkpointPolicy.target \"" + policy + "\"");
        Thread.sleep(1_000);
        cluster.protect();
        Thread.sleep(2_000);
        long epochsBefore = epochs(primary, cluster.vmName);
        double rate = rate(client, windowMillis);
        String status = primary.execute("kemari:status " + cluster.vmName);
        long epochsAfter = epochs(primary, cluster.vmName);
        primary.execute("kemari:unprotect " + cluster.vmName);
        Thread.sleep(2_000);
        return new double[] {rate, (epochsAfter - epochsBefore) * 1000.0 / windowMillis, column(status, cluster.vmName, 7)};
    }

    private static long epochs(FailoverNode primary, String vm) {
        return (long) column(primary.execute("kemari:status " + vm), vm, 5);
    }

    /** Column {@code index} (0-based, split on blanks) of the status row of {@code vm}. */
    private static double column(String status, String vm, int index) {
        for (String line : status.lines().toList()) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length > index && cols[0].equals(vm)) {
                return Double.parseDouble(cols[index]);
            }
        }
        throw new IllegalStateException("no status row for " + vm + ":\n" + status);
    }

    /** Requests answered per second over one window. */
    private static double rate(KvClientProcess client, long windowMillis) throws InterruptedException {
        int before = client.count();
        long start = System.nanoTime();
        Thread.sleep(windowMillis);
        int after = client.count();
        return (after - before) / ((System.nanoTime() - start) / 1e9);
    }

    private static void print(String what, List<double[]> rows, int index, String format) {
        System.out.println("| " + what + " | " + String.format(format, median(rows.stream().map(r -> r[index]).toList())) + " |");
    }

    private static void printRatio(String what, List<double[]> rows, int index) {
        double ratio = median(rows.stream().map(r -> r[index] / r[0]).toList());
        System.out.println("| " + what + " | " + String.format("%.1f%%", 100 * ratio) + " |");
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
