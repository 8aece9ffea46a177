package org.kemari.core.internal.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmListener;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmState;
import org.kemari.api.management.ProtectionStatus.State;
import org.kemari.testing.TestTime;

/**
 * A stock Linux guest serving Redis, protected on KVM, its primary dying at a random point while a
 * redis-cli holds one TCP connection writing to it: the standby takes over, the connection goes on
 * (the same CLIENT ID: never reset, never reconnected), every write the client saw acknowledged is
 * read back, and the guest is the same boot (its console's boot id) on the standby.
 */
public class LinuxGuestFailoverTest {
    private static final String READY = "KEMARI-GUEST redis ready";

    private EngineRig rig;
    private String tap;
    private String guestIp;
    private final List<String> primaryConsole = new CopyOnWriteArrayList<>();
    private final List<String> standbyConsole = new CopyOnWriteArrayList<>();

    @Before
    public void setUp() throws Exception {
        assumeTrue("needs /dev/kvm (read-write)", Files.isWritable(Path.of("/dev/kvm")));
        rig = new EngineRig();
        Random random = new Random();
        tap = String.format("klf%08x", random.nextInt());
        int net = 1 + random.nextInt(250);
        guestIp = "10.79." + net + ".2";
        sh("ip", "tuntap", "add", "dev", tap, "mode", "tap");
        sh("ip", "addr", "add", "10.79." + net + ".1/24", "dev", tap);
        sh("ip", "link", "set", tap, "up");
    }

    @After
    public void tearDown() throws Exception {
        if (rig != null) {
            rig.close();
        }
        if (tap != null) {
            new ProcessBuilder("ip", "link", "del", tap).start().waitFor();
        }
    }

    private VmSpec spec(Path disk) {
        Path guest = guestDir();
        return new VmSpec("linux", 256L << 20, 1, guest.resolve("vmlinuz").toString(),
                List.of(new VmSpec.DiskSpec("vda", disk.toString(), false)),
                List.of(new VmSpec.NicSpec("net0", "52:54:00:4c:00:03", "tap:" + tap)),
                Map.of("kernel.initrd", guest.resolve("initrd.gz").toString(),
                        "kernel.cmdline", "console=ttyS0 quiet panic=-1 acpi=off pci=off kemari.ip=" + guestIp + "/24"));
    }

    @Test(timeout = 900_000)
    public void aRedisClientKeepsItsConnectionAndEveryAcknowledgedWriteThroughTheDeathOfThePrimary() throws Exception {
        Path disk = rig.dir.resolve("linux-data.img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        Vm vm = rig.primaryVms.start("kvm", spec(disk));
        vm.addListener(consoleTo(primaryConsole));
        EngineRig.await(() -> primaryConsole.contains(READY), 240_000, () -> "Redis ready in the guest: " + primaryConsole);
        String bootId = bootId(primaryConsole);
        assertEquals("PONG", ping());
        assertEquals(State.PROTECTED, rig.primary.protect("linux", rig.standbyAddress()).state());
        assertEquals("PONG while protected", "PONG", ping());

        long replyMillis = TestTime.millis(60_000L);
        Random random = new Random();
        int crashAfter = 10 + random.nextInt(40);
        int acked = 0;
        try (RedisSession redis = new RedisSession(guestIp)) {
            String clientId = call(redis, "client id", replyMillis);
            Thread crash = null;
            for (int i = 0; i < crashAfter + 30; i++) {
                if (i == crashAfter) {
                    // The host dies while a write is on its way: the reply to it may or may not have left.
                    int delay = random.nextInt(20);
                    crash = new Thread(() -> {
                        try {
                            Thread.sleep(delay);
                        } catch (InterruptedException e) {
                            return;
                        }
                        crashPrimary(vm);
                    });
                    crash.start();
                }
                assertEquals("write " + i + " acknowledged on the same connection", "OK", call(redis, "set k" + i + " v" + i, replyMillis));
                acked = i + 1;
                if (i % 10 == 0) {
                    System.out.println("Linux guest failover: " + acked + " writes acknowledged");
                }
            }
            crash.join();
            EngineRig.await(() -> rig.standby.status("linux").map(s -> s.state() == State.FAILED_OVER).orElse(false), 30_000,
                    () -> "the standby to take over: " + rig.standby.list());
            assertEquals("the client's one connection went on (never reset, never reconnected)", clientId,
                    redis.call("client id", replyMillis));
            for (int i = 0; i < acked; i++) {
                assertEquals("acknowledged write " + i + " is there", "v" + i, redis.call("get k" + i, replyMillis));
            }
        }
        Vm survivor = rig.standbyVms.find("linux").orElseThrow();
        survivor.addListener(consoleTo(standbyConsole)); // replays the console lines it has shown
        EngineRig.await(() -> standbyConsole.stream().anyMatch(l -> l.startsWith("KEMARI-GUEST alive")), 60_000,
                () -> "a heartbeat on the survivor's console: " + standbyConsole);
        assertTrue("the same boot goes on (boot id " + bootId + "): " + standbyConsole,
                standbyConsole.stream().filter(l -> l.startsWith("KEMARI-GUEST alive")).allMatch(l -> l.contains("boot_id=" + bootId)));
        assertEquals(VmState.RUNNING, survivor.state());
        System.out.println("Linux guest failover: crash after " + crashAfter + " writes, " + acked + " acknowledged and read back");
    }

    /** A command whose reply does not come says what the nodes and the guest's console said meanwhile. */
    private String call(RedisSession redis, String command, long millis) throws IOException, InterruptedException {
        try {
            return redis.call(command, millis);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; primary: " + rig.primary.list() + " " + rig.primary.metrics()
                    + "; standby: " + rig.standby.list() + "; console: "
                    + primaryConsole.subList(Math.max(0, primaryConsole.size() - 5), primaryConsole.size()), e);
        }
    }

    /**
     * The primary host dies. In one JVM the engine would see its link close before its VM stops and,
     * as a primary that lost its standby does, release the output it held: frames a dead host
     * never sends. So the wire goes first (the VM's TAP down: what it still releases is lost, as
     * in a dead host's memory), then link and VM; the wire comes back for the standby.
     */
    private void crashPrimary(Vm vm) {
        try {
            sh("ip", "link", "set", tap, "down");
            rig.crashPrimary(vm);
            sh("ip", "link", "set", tap, "up");
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A one-shot redis-cli PING (its own connection): the guest's Redis answers through the output gate. */
    private String ping() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("redis-cli", "-h", guestIp, "ping").redirectErrorStream(true).start();
        if (!p.waitFor(TestTime.millis(30_000L), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            return "(no answer within " + TestTime.millis(30_000L) + " ms)";
        }
        return new String(p.getInputStream().readAllBytes()).trim();
    }

    static Path guestDir() {
        String configured = System.getProperty("kemari.linuxGuest");
        Path dir = configured != null ? Path.of(configured) : Path.of("..", "..", "target", "guest-linux").toAbsolutePath().normalize();
        assertTrue(dir + "/vmlinuz is missing: build the Linux guest first (bash guest/linux/build.sh)",
                Files.isRegularFile(dir.resolve("vmlinuz")) && Files.isRegularFile(dir.resolve("initrd.gz")));
        return dir;
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

    private static void sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(String.join(" ", command) + ": " + out, 0, p.waitFor());
    }
}
