package org.kemari.hv.kvm.internal.bench;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Map;
import java.util.PrimitiveIterator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.kemari.api.hv.DirtyPageSet;
import org.kemari.api.hv.GuestMemory;
import org.kemari.api.hv.Vm;
import org.kemari.hv.kvm.internal.BenchSupport;

/**
 * Measures the KVM backend on this host and prints a Markdown report (medians of repeated runs):
 * guest exit round trip, dirty-log fetch, pause and state capture, page copy rate.
 * Run with {@code scripts/bench-kvm.sh}; the optional argument is the number of repetitions.
 */
public final class KvmBench {
    private static final long MIB = 1L << 20;
    private final int reps;

    private KvmBench(int reps) {
        this.reps = reps;
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        KvmBench bench = new KvmBench(reps);
        System.out.println("KVM backend benchmark, " + LocalDate.now() + ", " + reps + " repetitions per figure (medians), "
                + Runtime.getRuntime().availableProcessors() + " CPUs, Java " + System.getProperty("java.version"));
        System.out.println();
        System.out.println("| measurement | median | notes |");
        System.out.println("|---|---|---|");
        bench.exitRoundTrip();
        for (long size : new long[] {64 * MIB, 1024 * MIB}) {
            for (int pages : new int[] {0, 100, 10_000}) {
                bench.dirtyFetch(size, pages);
            }
        }
        bench.pauseAndCapture();
        for (int pages : new int[] {100, 1000, 10_000}) {
            bench.pageCopy(pages);
        }
        System.exit(0);
    }

    private static void row(String what, String median, String notes) {
        System.out.println("| " + what + " | " + median + " | " + notes + " |");
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String us(double nanos) {
        return String.format("%.1f µs", nanos / 1000);
    }

    /** REPORT doorbells of a guest whose round is one page write: the interval is one port-I/O exit round trip. */
    private void exitRoundTrip() throws Exception {
        int n = 20_000;
        double[] perRun = new double[reps];
        for (int r = 0; r < reps; r++) {
            long[] stamps = new long[n];
            CountDownLatch done = new CountDownLatch(1);
            int[] count = {0};
            try (Vm vm = BenchSupport.createTestGuest("bench-exit", 16 * MIB, null, Map.of(
                    BenchSupport.WORKLOADS, "dirtier", BenchSupport.DIRTY_PAGES, "1", BenchSupport.DIRTY_REGION_PAGES, "1"))) {
                BenchSupport.onReport(vm, seq -> {
                    if (count[0] < n) {
                        stamps[count[0]++] = System.nanoTime();
                        if (count[0] == n) {
                            done.countDown();
                        }
                    }
                });
                if (!done.await(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("guest did not report");
                }
            }
            double[] gaps = new double[n - 1001];
            for (int i = 1001; i < n; i++) {
                gaps[i - 1001] = stamps[i] - stamps[i - 1];
            }
            perRun[r] = median(gaps);
        }
        row("guest exit round trip (REPORT port I/O, C guest in ring 3)", us(median(perRun)),
                "median interval between consecutive REPORT exits of a guest whose round is 1 page write + REPORT; includes the Java exit handling");
    }

    /** fetchAndClearDirtyPages() on a paused guest that has just written {@code pages} pages (and the bare ioctl). */
    private void dirtyFetch(long memory, int pages) throws Exception {
        dirtyFetch(memory, pages, false);
        dirtyFetch(memory, pages, true);
    }

    private void dirtyFetch(long memory, int pages, boolean raw) throws Exception {
        double[] times = new double[reps];
        double[] counts = new double[reps];
        int region = Math.max(pages, 1);
        try (Vm vm = BenchSupport.createTestGuest("bench-dirty", memory, null, Map.of(
                BenchSupport.WORKLOADS, "dirtier", BenchSupport.DIRTY_PAGES, Integer.toString(region),
                BenchSupport.DIRTY_REGION_PAGES, Integer.toString(region), BenchSupport.PACE_US, "150000"))) {
            BlockingQueue<Long> reports = new ArrayBlockingQueue<>(1000);
            BenchSupport.onReport(vm, reports::offer);
            vm.fetchAndClearDirtyPages(); // starts tracking
            reports.poll(30, TimeUnit.SECONDS);
            vm.pause();
            for (int i = 0; i < 2000; i++) {
                vm.fetchAndClearDirtyPages(); // JIT warm-up of the merge code
            }
            vm.resume();
            for (int r = 0; r < reps; r++) {
                reports.clear();
                if (reports.poll(30, TimeUnit.SECONDS) == null) {
                    throw new IllegalStateException("guest did not report");
                }
                Thread.sleep(80); // the next round's writes are done; the guest WAITs
                vm.pause();
                if (pages == 0) {
                    vm.fetchAndClearDirtyPages();
                }
                if (raw) {
                    times[r] = BenchSupport.rawDirtyLogFetch(vm);
                } else {
                    long t0 = System.nanoTime();
                    DirtyPageSet set = vm.fetchAndClearDirtyPages();
                    times[r] = System.nanoTime() - t0;
                    counts[r] = set.count();
                }
                vm.resume();
            }
        }
        if (raw) {
            row(String.format("KVM_GET_DIRTY_LOG alone, %d MiB slot, %,d pages written", memory / MIB, pages), us(median(times)),
                    "the bare ioctl (fetch + clear + write-protect) from Java");
        } else {
            row(String.format("dirty-log fetch, %d MiB guest, %,d pages written", memory / MIB, pages), us(median(times)),
                    String.format("fetchAndClearDirtyPages() while paused: KVM_GET_DIRTY_LOG + merge with device pages into a DirtyPageSet; %.0f pages returned", median(counts)));
        }
    }

    /** pause() (kick, complete the exit, quiesce) and captureState() of a dirtier + disk guest. */
    private void pauseAndCapture() throws Exception {
        Path disk = Files.createTempFile("kemari-bench", ".img");
        try {
            Files.write(disk, new byte[(int) (4 * MIB)]);
            int n = Math.max(reps, 50);
            double[] pause = new double[n];
            double[] capture = new double[n];
            double[] resume = new double[n];
            try (Vm vm = BenchSupport.createTestGuest("bench-capture", 64 * MIB, disk.toString(), Map.of(
                    BenchSupport.WORKLOADS, "dirtier,disk", BenchSupport.DISK_BLOCKS, "256", BenchSupport.PACE_US, "200"))) {
                Thread.sleep(200);
                for (int r = 0; r < n; r++) {
                    long t0 = System.nanoTime();
                    vm.pause();
                    long t1 = System.nanoTime();
                    vm.captureState();
                    long t2 = System.nanoTime();
                    vm.resume();
                    long t3 = System.nanoTime();
                    pause[r] = t1 - t0;
                    capture[r] = t2 - t1;
                    resume[r] = t3 - t2;
                    Thread.sleep(5);
                }
            }
            row("pause()", us(median(pause)), "running dirtier+disk guest: immediate_exit + signal kick, complete the pending exit, quiesce devices; " + n + " runs");
            row("captureState()", us(median(capture)), "1 vCPU (regs, sregs, XSAVE, XCRs, 11 MSRs, events, MP state, debug regs) + machine + virtio-blk records");
            row("resume()", us(median(resume)), "");
        } finally {
            Files.deleteIfExists(disk);
        }
    }

    /** Copying N scattered dirty pages out of guest RAM into one buffer through the API. */
    private void pageCopy(int pages) throws Exception {
        double[] perPage = new double[reps];
        try (Vm vm = BenchSupport.createTestGuest("bench-copy", 1024 * MIB, null, Map.of(
                BenchSupport.WORKLOADS, "dirtier", BenchSupport.PACE_US, "100000"))) {
            vm.pause();
            GuestMemory memory = vm.memory();
            DirtyPageSet set = new DirtyPageSet(memory.pageCount());
            ByteBuffer fill = ByteBuffer.allocate(4096);
            for (int i = 0; i < pages; i++) {
                long page = 1024 + 3L * i; // every third page from 4 MiB: scattered, all populated
                fill.clear().putLong(0, page);
                memory.write(page * 4096, fill);
                set.add(page);
            }
            ByteBuffer out = ByteBuffer.allocateDirect(pages * 4096);
            for (int r = 0; r < reps + 50; r++) {
                out.clear();
                long t0 = System.nanoTime();
                PrimitiveIterator.OfLong it = set.iterator();
                while (it.hasNext()) {
                    long page = it.nextLong();
                    out.limit(out.position() + 4096);
                    memory.read(page * 4096, out);
                }
                long t = System.nanoTime() - t0;
                if (r >= 50) {
                    perPage[r - 50] = (double) t / pages;
                }
            }
        }
        row(String.format("page copy, %,d dirty pages", pages), String.format("%.2f µs/page", median(perPage) / 1000),
                "GuestMemory.read of each page of a DirtyPageSet into one direct buffer (after 50 warm-up passes)");
    }
}
