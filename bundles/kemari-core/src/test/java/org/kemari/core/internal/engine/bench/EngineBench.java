package org.kemari.core.internal.engine.bench;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import org.kemari.api.hv.DirtyPageSet;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.policy.CheckpointPolicy;
import org.kemari.core.internal.engine.BenchNodes;
import org.kemari.core.internal.engine.PageRuns;
import org.kemari.policy.checkpoint.internal.EventDrivenCheckpointPolicy;
import org.kemari.policy.checkpoint.internal.PeriodicCheckpointPolicy;

/**
 * Replication engine benchmark: two engine nodes in this JVM (EngineRig: real KVM, TCP on
 * loopback, real policies and interceptors). Every figure is measured once per repetition and
 * the median of the repetitions is printed, all in one run so that ratios compare like with
 * like. Usage: {@code EngineBench [repetitions] [window-ms]} (scripts/bench-engine.sh).
 */
public final class EngineBench {
    private static final long MEMORY = 32 << 20;
    private static final int DISK_BLOCKS = 256;
    private static final long WARMUP_MS = 300;
    private static final int FLOOR_ITERATIONS = 400;

    private final int reps;
    private final long windowMs;
    private final Map<String, Samples> results = new LinkedHashMap<>();
    private final Map<String, String> units = new LinkedHashMap<>();
    private int vmCounter;
    private int dropped;
    private final Map<String, Double> thisRep = new LinkedHashMap<>();
    private int failedPhases;

    private EngineBench(int reps, long windowMs) {
        this.reps = reps;
        this.windowMs = windowMs;
    }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        long window = args.length > 1 ? Long.parseLong(args[1]) : 1000;
        if (!Files.isWritable(Path.of("/dev/kvm"))) {
            System.err.println("needs /dev/kvm (read-write)");
            System.exit(2);
        }
        new EngineBench(reps, window).run();
        System.exit(0);
    }

    private void run() throws Exception {
        String loadBefore = load();
        long t0 = System.nanoTime();
        for (int r = 0; r < reps; r++) {
            try (BenchNodes nodes = new BenchNodes()) {
                EpochRecorder rec = new EpochRecorder();
                nodes.observe(rec);
                phase("disk unprotected", () -> diskRun(nodes, null, "disk unprotected", rec));
                double epochUs = phase("disk event-driven",
                        () -> diskRun(nodes, new EventDrivenCheckpointPolicy(), "disk event-driven", rec));
                phase("disk periodic", () -> diskRun(nodes, new PeriodicCheckpointPolicy(), "disk periodic 25 ms", rec));
                phase("floor", () -> floor(nodes, Double.isNaN(epochUs) ? 300 : epochUs));
                double bigUs = phase("large epochs", () -> diskRun(nodes, new EventDrivenCheckpointPolicy(),
                        "dirtier 256 pages/round + disk event-driven", rec, largeOptions(), LARGE));
                phase("large floor", () -> floor(nodes, Double.isNaN(bigUs) ? 1000 : bigUs, largeOptions(), LARGE));
                phase("net unprotected", () -> netRun(nodes, null, "net unprotected", rec));
                phase("net event-driven", () -> netRun(nodes, new EventDrivenCheckpointPolicy(), "net event-driven", rec));
                phase("net periodic", () -> netRun(nodes, new PeriodicCheckpointPolicy(), "net periodic 25 ms", rec));
            }
            phase("failover", this::failover);
            ratios();
            System.err.printf("repetition %d of %d done (%s)%n", r + 1, reps, load());
        }
        report(loadBefore, load(), (System.nanoTime() - t0) / 1e9);
    }

    interface Phase {
        double run() throws Exception;
    }

    /** Runs one phase; a failure (e.g. the standby lost on an overloaded machine) is reported and skipped. */
    private double phase(String name, Phase p) {
        try {
            return p.run();
        } catch (Exception e) {
            System.err.println("WARNING: phase " + name + " failed and is left out of this repetition: " + e);
            failedPhases++;
            return Double.NaN;
        }
    }

    private String nextName(String prefix) {
        return prefix + (++vmCounter);
    }

    private static final String LARGE = " (256-page rounds)";

    /** Larger epochs: each disk write follows a round that dirties 256 pages. */
    private static Map<String, String> largeOptions() {
        return Map.of("guest.workloads", "dirtier,disk", "guest.disk-blocks", String.valueOf(DISK_BLOCKS),
                "guest.dirty-pages", "256", "guest.dirty-region-pages", "4096");
    }

    private static Map<String, String> diskOptions() {
        return Map.of("guest.workloads", "disk", "guest.disk-blocks", String.valueOf(DISK_BLOCKS));
    }

    /** Disk writer for one window; returns the median µs between epochs (for the floor's pacing). */
    private double diskRun(BenchNodes nodes, CheckpointPolicy policy, String label, EpochRecorder rec) throws Exception {
        return diskRun(nodes, policy, label, rec, diskOptions(), "");
    }

    /** {@code tag} marks the pause breakdown keys of a non-default workload ("" for the small-epoch one). */
    private double diskRun(BenchNodes nodes, CheckpointPolicy policy, String label, EpochRecorder rec,
                           Map<String, String> options, String tag) throws Exception {
        String name = nextName("d");
        Path disk = nodes.disk(name, DISK_BLOCKS);
        Vm vm = nodes.start(name, MEMORY, List.of(new VmSpec.DiskSpec("vda", disk.toString(), false)), List.of(), options);
        try {
            if (policy != null) {
                nodes.protect(name, policy);
            }
            Thread.sleep(WARMUP_MS);
            long a0 = BenchNodes.guestStatus(vm, BenchNodes.DISK_WRITES_ACKED);
            long e0 = policy == null ? 0 : nodes.epochs(name);
            long t0 = System.nanoTime();
            rec.start();
            Thread.sleep(windowMs);
            rec.recording = false;
            double secs = (System.nanoTime() - t0) / 1e9;
            long a1 = BenchNodes.guestStatus(vm, BenchNodes.DISK_WRITES_ACKED);
            checkStillProtected(nodes, name, policy, label);
            put(label + ": writes acked/s", "1/s", (a1 - a0) / secs);
            if (policy == null) {
                return 0;
            }
            double epochsPerSec = (nodes.epochs(name) - e0) / secs;
            put(label + ": epochs/s", "1/s", epochsPerSec);
            put(label + ": dirty pages per epoch", "pages", rec.pages.median());
            if (policy instanceof EventDrivenCheckpointPolicy) {
                put("before pause: output waiting → capture starts (epoch loop wake-up)" + tag, "µs", rec.wake.median());
                put("pause: total" + tag, "µs", rec.pause.median());
                put("pause: pause VM" + tag, "µs", rec.pauseVm.median());
                put("pause: dirty log" + tag, "µs", rec.dirtyLog.median());
                put("pause: page copy" + tag, "µs", rec.copy.median());
                put("pause: state capture" + tag, "µs", rec.state.median());
                put("pause: resume" + tag, "µs", rec.resume.median());
                put("pause: p99 total" + tag, "µs", rec.pause.percentile(99));
                put("after pause: ship" + tag, "µs", rec.ship.median());
                put("after pause: ack latency (resume → ack)" + tag, "µs", rec.ack.median());
            }
            nodes.unprotect(name);
            return 1e6 / Math.max(1, epochsPerSec);
        } finally {
            vm.close();
        }
    }

    /**
     * The local floor: the same guest and workload, unprotected, paced like the engine's epochs;
     * only dirty log + local copy + state capture are timed (pause and resume are not).
     */
    private double floor(BenchNodes nodes, double epochIntervalUs) throws Exception {
        return floor(nodes, epochIntervalUs, diskOptions(), "");
    }

    private double floor(BenchNodes nodes, double epochIntervalUs, Map<String, String> options, String tag) throws Exception {
        String name = nextName("f");
        Path disk = nodes.disk(name, DISK_BLOCKS);
        Vm vm = nodes.start(name, MEMORY, List.of(new VmSpec.DiskSpec("vda", disk.toString(), false)), List.of(), options);
        ByteBuffer buf = ByteBuffer.allocateDirect(64 << 20);
        Samples floor = new Samples();
        Samples dirty = new Samples();
        Samples copy = new Samples();
        Samples state = new Samples();
        Samples pages = new Samples();
        Samples full = new Samples();
        long gapNanos = (long) (Math.min(5_000, Math.max(100, epochIntervalUs)) * 2000);
        try {
            Thread.sleep(WARMUP_MS);
            vm.pause();
            vm.fetchAndClearDirtyPages();
            vm.resume();
            for (int i = 0; i < FLOOR_ITERATIONS; i++) {
                awaitNextRound(vm, gapNanos);
                long p0 = System.nanoTime();
                vm.pause();
                long t0 = System.nanoTime();
                DirtyPageSet set = vm.fetchAndClearDirtyPages();
                long t1 = System.nanoTime();
                PageRuns runs = PageRuns.of(set, 256);
                runs.copy(vm.memory(), buf);
                long t2 = System.nanoTime();
                vm.captureState();
                long t3 = System.nanoTime();
                vm.resume();
                long p1 = System.nanoTime();
                if (i >= FLOOR_ITERATIONS / 10) {
                    full.add((p1 - p0) / 1e3);
                    floor.add((t3 - t0) / 1e3);
                    dirty.add((t1 - t0) / 1e3);
                    copy.add((t2 - t1) / 1e3);
                    state.add((t3 - t2) / 1e3);
                    pages.add(runs.pageCount());
                }
            }
            put("floor: dirty log + copy + state" + tag, "µs", floor.median());
            put("floor: dirty log" + tag, "µs", dirty.median());
            put("floor: page copy" + tag, "µs", copy.median());
            put("floor: state capture" + tag, "µs", state.median());
            put("floor: dirty pages" + tag, "pages", pages.median());
            put("floor incl. Vm.pause() and resume()" + tag, "µs", full.median());
            return floor.median();
        } finally {
            vm.close();
        }
    }

    /**
     * Waits until the guest has finished another round since the last pause (as an epoch follows
     * each round's disk write when protected), so the floor sees the same pages per capture.
     * Gives up after {@code maxNanos} (a guest that rounds slowly).
     */
    private static void awaitNextRound(Vm vm, long maxNanos) {
        long r0 = BenchNodes.guestStatus(vm, BenchNodes.ROUNDS);
        long deadline = System.nanoTime() + maxNanos;
        while (BenchNodes.guestStatus(vm, BenchNodes.ROUNDS) == r0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    private double netRun(BenchNodes nodes, CheckpointPolicy policy, String label, EpochRecorder rec) throws Exception {
        String name = nextName("n");
        try (UdpEchoClient client = new UdpEchoClient("bench-" + name)) {
            Vm vm = nodes.start(name, MEMORY, List.of(),
                    List.of(new VmSpec.NicSpec("eth0", UdpEchoClient.GUEST_MAC_TEXT, client.backend())),
                    Map.of("guest.workloads", "net", "guest.ipv4", UdpEchoClient.GUEST_IP_TEXT));
            try {
                if (policy != null) {
                    nodes.protect(name, policy);
                }
                client.run(WARMUP_MS);
                long e0 = policy == null ? 0 : nodes.epochs(name);
                rec.start();
                long t0 = System.nanoTime();
                long trips = client.run(windowMs);
                double secs = (System.nanoTime() - t0) / 1e9;
                rec.recording = false;
                checkStillProtected(nodes, name, policy, label);
                put(label + ": UDP echo round trips/s", "1/s", trips / secs);
                if (policy != null) {
                    put(label + ": epochs/s", "1/s", (nodes.epochs(name) - e0) / secs);
                    put(label + ": dirty pages per epoch", "pages", rec.pages.median());
                    nodes.unprotect(name);
                }
                return trips / secs;
            } finally {
                vm.close();
            }
        }
    }

    /** Kill the primary (in-JVM, as ReplicationEngineTest does); time until the guest runs on the standby. */
    private double failover() throws Exception {
        try (BenchNodes nodes = new BenchNodes()) {
            String name = nextName("x");
            Path disk = nodes.disk(name, DISK_BLOCKS);
            Vm vm = nodes.start(name, MEMORY, List.of(new VmSpec.DiskSpec("vda", disk.toString(), false)), List.of(),
                    Map.of("guest.workloads", "dirtier,disk", "guest.disk-blocks", String.valueOf(DISK_BLOCKS),
                            "guest.dirty-pages", "8", "guest.pace-us", "200"));
            nodes.protect(name, new EventDrivenCheckpointPolicy());
            Thread.sleep(WARMUP_MS);
            long t0 = System.nanoTime();
            nodes.killPrimary(vm);
            Vm survivor = waitFor(() -> nodes.onStandby(name).orElse(null));
            long found = System.nanoTime();
            long rounds = BenchNodes.guestStatus(survivor, BenchNodes.ROUNDS);
            waitFor(() -> BenchNodes.guestStatus(survivor, BenchNodes.ROUNDS) > rounds ? survivor : null);
            long running = System.nanoTime();
            put("failover: primary death → guest running on standby", "ms", (running - t0) / 1e6);
            put("failover: of which until the standby VM exists", "ms", (found - t0) / 1e6);
            return (running - t0) / 1e6;
        }
    }

    /** A window in which the primary lost its standby (machine overloaded) measured something else: say so. */
    private void checkStillProtected(BenchNodes nodes, String name, CheckpointPolicy policy, String label) {
        if (policy != null && !nodes.isProtected(name)) {
            System.err.println("WARNING: " + label + ": " + name + " was not protected at the end of its window; figures of this repetition are suspect");
            dropped++;
        }
    }

    private static <T> T waitFor(Supplier<T> what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            T t = what.get();
            if (t != null) {
                return t;
            }
            LockSupport.parkNanos(100_000);
        }
        throw new IllegalStateException("timed out");
    }

    private void put(String key, String unit, double value) {
        results.computeIfAbsent(key, k -> new Samples()).add(value);
        units.put(key, unit);
        thisRep.put(key, value);
    }

    /** Ratios within one repetition (both sides measured minutes apart at most), then medians of those. */
    private void ratios() {
        ratio("ratio: pause / floor", "pause: total", "floor: dirty log + copy + state");
        ratio("ratio: pause / floor incl. Vm.pause() and resume()", "pause: total", "floor incl. Vm.pause() and resume()");
        ratio("ratio: pause / floor" + LARGE, "pause: total" + LARGE, "floor: dirty log + copy + state" + LARGE);
        ratio("ratio: pause / floor incl. Vm.pause() and resume()" + LARGE, "pause: total" + LARGE,
                "floor incl. Vm.pause() and resume()" + LARGE);
        ratio("ratio: disk writes, event-driven / unprotected", "disk event-driven: writes acked/s", "disk unprotected: writes acked/s");
        ratio("ratio: disk writes, periodic / unprotected", "disk periodic 25 ms: writes acked/s", "disk unprotected: writes acked/s");
        ratio("ratio: UDP echo, event-driven / unprotected", "net event-driven: UDP echo round trips/s",
                "net unprotected: UDP echo round trips/s");
        ratio("ratio: UDP echo, periodic / unprotected", "net periodic 25 ms: UDP echo round trips/s",
                "net unprotected: UDP echo round trips/s");
        thisRep.clear();
    }

    private void ratio(String key, String numerator, String denominator) {
        Double a = thisRep.get(numerator);
        Double b = thisRep.get(denominator);
        if (a != null && b != null && b > 0) {
            results.computeIfAbsent(key, k -> new Samples()).add(a / b);
            units.put(key, "×");
        }
    }

    private void report(String loadBefore, String loadAfter, double seconds) {
        System.out.printf("Replication engine bench, %s, %d repetitions, %d ms windows, %.0f s%n", LocalDate.now(), reps,
                windowMs, seconds);
        System.out.printf("load before: %s; after: %s; cores: %d; %s %s%n%n", loadBefore, loadAfter,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"));
        if (failedPhases > 0) {
            System.out.printf("WARNING: %d phase run(s) failed and are left out (see the log)%n%n", failedPhases);
        }
        if (dropped > 0) {
            System.out.printf("WARNING: %d protected window(s) ended unprotected (standby lost under load)%n%n", dropped);
        }
        System.out.println("| measurement | median | min .. max over repetitions |");
        System.out.println("|---|---|---|");
        for (Map.Entry<String, Samples> e : results.entrySet()) {
            Samples s = e.getValue();
            String unit = units.get(e.getKey());
            System.out.printf("| %s | %s%s | %s .. %s |%n", e.getKey(), fmt(s.median(), unit), unit.equals("×") ? "×" : " " + unit,
                    fmt(s.percentile(0), unit), fmt(s.percentile(100), unit));
        }
    }

    private static String fmt(double v, String unit) {
        if (unit.equals("×")) {
            return String.format("%.2f", v);
        }
        return v >= 100 ? String.format("%,.0f", v) : String.format("%.1f", v);
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
