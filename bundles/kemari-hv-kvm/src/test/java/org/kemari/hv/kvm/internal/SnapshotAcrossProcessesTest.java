package org.kemari.hv.kvm.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmSpec.DiskSpec;

/**
 * The snapshot test: at several random points of a running dirtier + disk-writer guest, capture
 * memory, machine state and a copy of the disk; restore it in a fresh VM in a separate JVM; both
 * must then observe exactly the same things at each of the next N REPORT doorbells (dirtier
 * region checksum, guest counters, whole-disk checksum).
 */
public class SnapshotAcrossProcessesTest {
    private static final long MEMORY = 32L << 20;
    private static final int REGION_PAGES = 128;
    private static final int REPORTS = 40;
    private static final int POINTS = 3;
    private static final int DISK_BLOCKS = 64;
    private static final Map<String, String> OPTIONS = Map.of(
            GuestOptions.WORKLOADS, "dirtier,disk",
            GuestOptions.DIRTY_PAGES, "5",
            GuestOptions.DIRTY_REGION_PAGES, Integer.toString(REGION_PAGES),
            GuestOptions.DISK_MODE, "random",
            GuestOptions.DISK_SEED, "0x5eed",
            GuestOptions.DISK_BLOCKS, Integer.toString(DISK_BLOCKS),
            GuestOptions.PACE_US, "100");

    private Path dir;
    private KvmVm vm;

    static VmSpec spec(long memory, Path disk, Map<String, String> options) {
        return new VmSpec("snap", memory, 1, VmSpec.TEST_GUEST, List.of(new DiskSpec("vda", disk.toString(), false)),
                List.of(), options);
    }

    @Before
    public void setUp() throws Exception {
        KvmTestSupport.assumeKvm();
        dir = Files.createTempDirectory("kemari-snapshot");
    }

    @After
    public void tearDown() throws Exception {
        if (vm != null) {
            vm.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test(timeout = 300_000)
    public void restoredInAnotherJvmContinuesIdentically() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Path disk = dir.resolve("disk.img");
        Files.write(disk, new byte[DISK_BLOCKS * 4096 * 2]);
        vm = (KvmVm) new KvmBackend().create(spec(MEMORY, disk, OPTIONS));

        for (int point = 0; point < POINTS; point++) {
            Thread.sleep(50 + random.nextInt(300));
            vm.pause();
            Path memoryFile = dir.resolve("memory-" + point);
            Path stateFile = dir.resolve("state-" + point);
            Path diskCopy = dir.resolve("disk-" + point + ".img");
            MachineState state = vm.captureState();
            SnapshotFiles.writeMemory(vm.memory(), memoryFile);
            SnapshotFiles.writeState(state, stateFile);
            Files.copy(disk, diskCopy, StandardCopyOption.REPLACE_EXISTING);
            long acked = vm.ram().getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_DISK_WRITES_ACKED);

            ReportRecorder original = new ReportRecorder(REGION_PAGES, REPORTS, disk);
            vm.addReportHook(original);
            vm.resume();
            assertTrue("original did not reach " + REPORTS + " reports", original.await(60, TimeUnit.SECONDS));

            List<String> restored = runRestoredElsewhere(memoryFile, stateFile, diskCopy, dir.resolve("seen-" + point));
            assertEquals("point " + point + " (seed " + seed + ", " + acked + " disk writes acked at capture)",
                    original.observations(), restored);
            System.out.println("point " + point + ": " + original.observations().get(0) + " ... " + original.observations().get(REPORTS - 1));
            assertTrue("the guest made progress", !original.observations().get(0).equals(original.observations().get(REPORTS - 1)));
        }
    }

    private static List<String> runRestoredElsewhere(Path memory, Path state, Path disk, Path out) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "-cp", classpath, SnapshotRestoreMain.class.getName(),
                memory.toString(), state.toString(), disk.toString(), out.toString(), Integer.toString(REPORTS),
                Integer.toString(REGION_PAGES), Long.toString(MEMORY)));
        OPTIONS.forEach((k, v) -> command.add(k + "=" + v));
        Path log = Files.createTempFile(out.getParent(), "child", ".log");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!child.waitFor(120, TimeUnit.SECONDS)) {
                throw new AssertionError("restoring JVM did not finish in 120 s; log:\n" + Files.readString(log));
            }
            assertEquals("restoring JVM failed; log:\n" + Files.readString(log), 0, child.exitValue());
            return Files.readAllLines(out);
        } finally {
            child.destroyForcibly();
        }
    }
}
