package org.kemari.hv.kvm.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmListener;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmSpec.DiskSpec;
import org.kemari.api.hv.VmSpec.NicSpec;
import org.kemari.api.hv.VmState;
import org.kemari.testing.TestTime;

/**
 * The Linux test guest (guest/linux: Debian's kernel, Redis with every write fsynced to its virtio
 * disk) on the KVM backend: it boots, serves Redis over a real TAP device, and a snapshot of it
 * taken while it runs, restored in another JVM, goes on as the same boot — the same Redis process
 * with every write it acknowledged, its console and its disk working.
 */
public class LinuxGuestTest {
    static final long MEMORY = 256L << 20;
    static final String READY = "KEMARI-GUEST redis ready";

    private final List<String> console = new CopyOnWriteArrayList<>();
    private String tap;
    private String guestIp;
    private Path dir;
    private KvmVm vm;

    @Before
    public void setUp() throws Exception {
        KvmTestSupport.assumeKvm();
        int net = ThreadLocalRandom.current().nextInt(1, 250);
        tap = String.format("klg%08x", ThreadLocalRandom.current().nextInt());
        guestIp = "10.78." + net + ".2";
        sh("ip", "tuntap", "add", "dev", tap, "mode", "tap");
        sh("ip", "addr", "add", "10.78." + net + ".1/24", "dev", tap);
        sh("ip", "link", "set", tap, "up");
        dir = Files.createTempDirectory("kemari-linux");
    }

    @After
    public void tearDown() throws Exception {
        if (vm != null) {
            vm.close();
        }
        if (tap != null) {
            new ProcessBuilder("ip", "link", "del", tap).start().waitFor();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    static VmSpec spec(Path disk, String tap, String guestIp) {
        return new VmSpec("linux", MEMORY, 1, LinuxGuestFiles.kernel().toString(),
                List.of(new DiskSpec("vda", disk.toString(), false)),
                List.of(new NicSpec("net0", "52:54:00:4c:00:02", "tap:" + tap)),
                Map.of(LinuxOptions.INITRD, LinuxGuestFiles.initrd().toString(),
                        LinuxOptions.CMDLINE, "console=ttyS0 quiet panic=-1 acpi=off pci=off kemari.ip=" + guestIp + "/24"));
    }

    @Test(timeout = 600_000)
    public void servesRedisAndASnapshotRestoredInAnotherJvmGoesOnAsTheSameBoot() throws Exception {
        Path disk = dir.resolve("data.img");
        try (var f = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        vm = (KvmVm) new KvmBackend().create(spec(disk, tap, guestIp));
        vm.addListener(consoleTo(console));
        assertTrue("the guest did not get Redis ready; state " + vm.state() + " " + vm.failureReason().orElse("")
                + "; console:\n" + String.join("\n", console),
                KvmTestSupport.await(() -> console.contains(READY), TestTime.millis(240_000L), TimeUnit.MILLISECONDS));
        String bootId = bootId(console);

        RedisCli redis = new RedisCli(guestIp);
        for (int i = 0; i < 20; i++) {
            assertEquals("OK", redis.call("set", "k" + i, "value-" + i));
        }
        String runId = redis.info("run_id");
        long uptime = Long.parseLong(redis.info("uptime_in_seconds"));

        vm.pause();
        Path memory = dir.resolve("memory");
        Path state = dir.resolve("state");
        Path diskCopy = dir.resolve("data-copy.img");
        MachineState captured = vm.captureState();
        SnapshotFiles.writeMemory(vm.memory(), memory);
        SnapshotFiles.writeState(captured, state);
        Files.copy(disk, diskCopy, StandardCopyOption.REPLACE_EXISTING);
        vm.close(); // the original is gone, as a dead primary is; its TAP stays for the copy
        vm = null;

        Path stop = dir.resolve("stop");
        Path childLog = dir.resolve("child.log");
        Process child = startRestored(memory, state, diskCopy, stop, childLog);
        try {
            assertTrue("the restored guest does not answer; its JVM's log:\n" + read(childLog),
                    KvmTestSupport.await(() -> {
                        try {
                            return redis.answers();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }, TestTime.millis(120_000L), TimeUnit.MILLISECONDS));
            for (int i = 0; i < 20; i++) {
                assertEquals("every acknowledged write is there", "value-" + i, redis.call("get", "k" + i));
            }
            assertEquals("the same Redis process (not restarted)", runId, redis.info("run_id"));
            assertTrue("its uptime goes on", Long.parseLong(redis.info("uptime_in_seconds")) >= uptime);
            for (int i = 20; i < 40; i++) {
                assertEquals("writes go on (its disk works)", "OK", redis.call("set", "k" + i, "value-" + i));
            }
            assertEquals("value-39", redis.call("get", "k39"));
            assertTrue("the restored guest's console goes on, same boot; log:\n" + read(childLog),
                    KvmTestSupport.await(() -> read(childLog).contains("KEMARI-GUEST alive boot_id=" + bootId),
                            TestTime.millis(60_000L), TimeUnit.MILLISECONDS));
            Files.createFile(stop);
            assertTrue("the restoring JVM ends", child.waitFor(TestTime.millis(60_000L), TimeUnit.MILLISECONDS));
            assertEquals("restoring JVM failed; log:\n" + read(childLog), 0, child.exitValue());
        } finally {
            child.destroyForcibly();
        }
    }

    static VmListener consoleTo(List<String> lines) {
        return new VmListener() {
            @Override
            public void consoleLine(Vm v, String line) {
                lines.add(line);
            }

            @Override
            public void stateChanged(Vm v, VmState from, VmState to, String reason) {
            }
        };
    }

    static String bootId(List<String> console) {
        return console.stream().filter(l -> l.startsWith("KEMARI-GUEST boot_id=")).findFirst()
                .map(l -> l.substring("KEMARI-GUEST boot_id=".length()).trim())
                .orElseThrow(() -> new AssertionError("no boot_id line on the console: " + console));
    }

    private Process startRestored(Path memory, Path state, Path disk, Path stop, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "-cp", classpath, LinuxSnapshotRestoreMain.class.getName(),
                memory.toString(), state.toString(), disk.toString(), tap, guestIp, stop.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(String.join(" ", command) + ": " + out, 0, p.waitFor());
    }
}
