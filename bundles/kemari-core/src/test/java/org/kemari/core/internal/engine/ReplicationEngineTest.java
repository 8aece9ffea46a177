package org.kemari.core.internal.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmState;
import org.kemari.api.management.ProtectionException;
import org.kemari.api.management.ProtectionMetrics;
import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.transport.Endpoint;
import org.kemari.testing.ChaosProxy;
import org.kemari.testing.TestTime;
import org.kemari.api.management.ProtectionStatus.State;
import org.kemari.guest.GuestDiskPattern;

/** The engine end to end in one JVM: protection, epochs, output commit and failover on real KVM. */
public class ReplicationEngineTest {
    private static final int DISK_BLOCKS = 256;

    private EngineRig rig;
    private Path disk;

    @Before
    public void setUp() throws Exception {
        assumeTrue("needs /dev/kvm (read-write)", Files.isWritable(Path.of("/dev/kvm")));
        rig = new EngineRig();
        disk = rig.dir.resolve("vm1-disk.img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(DISK_BLOCKS * 4096L);
        }
    }

    @After
    public void tearDown() throws Exception {
        if (rig != null) {
            rig.close();
        }
    }

    private VmSpec spec() {
        return new VmSpec("vm1", 32 << 20, 1, VmSpec.TEST_GUEST,
                List.of(new VmSpec.DiskSpec("vda", disk.toString(), false)), List.of(),
                Map.of("guest.workloads", "dirtier,disk", "guest.disk-blocks", String.valueOf(DISK_BLOCKS),
                        "guest.dirty-pages", "8", "guest.pace-us", "200"));
    }

    @Test
    public void everyAcknowledgedWriteSurvivesTheDeathOfThePrimary() throws Exception {
        Vm vm = rig.primaryVms.start("kvm", spec());
        ProtectionStatus status = rig.primary.protect("vm1", rig.standbyAddress());
        assertEquals(State.PROTECTED, status.state());
        EngineRig.await(() -> rig.primary.status("vm1").orElseThrow().epochs() > 50, 20_000, "50 epochs");
        long ackedOnPrimary = EngineRig.guestStatus(vm, EngineRig.DISK_WRITES_ACKED);
        assertTrue("the guest makes progress while protected: " + ackedOnPrimary, ackedOnPrimary > 10);
        // What kemari:status -v and the MBean show: each epoch paused the guest and carried dirty pages.
        ProtectionMetrics m = rig.primary.metrics().get(0);
        assertTrue(m.toString(), m.pauseMicros().count() >= 50 && m.pauseMicros().p50() > 0
                && m.epochBytes().p50() >= 4096 && m.ackLatencyMicros().count() > 0 && m.outputsReleased() > 0);

        // The primary dies: its VM stops dead, its link drops.
        rig.crashPrimary(vm);

        EngineRig.await(() -> rig.standby.status("vm1").map(s -> s.state() == State.FAILED_OVER).orElse(false), 5_000,
                () -> "the standby to take over: " + rig.standby.list());
        ProtectionStatus standbyStatus = rig.standby.status("vm1").orElseThrow();
        assertEquals(standbyStatus.message(), State.FAILED_OVER, standbyStatus.state());
        Vm survivor = rig.standbyVms.find("vm1").orElseThrow();
        long ackedAtTakeover = EngineRig.guestStatus(survivor, EngineRig.DISK_WRITES_ACKED);
        EngineRig.await(() -> EngineRig.guestStatus(survivor, EngineRig.DISK_WRITES_ACKED) > ackedAtTakeover + 20, 10_000,
                "the guest to go on writing on the standby");
        survivor.pause();
        long acked = EngineRig.guestStatus(survivor, EngineRig.DISK_WRITES_ACKED);
        assertEquals(VmState.PAUSED, survivor.state());
        assertNull(GuestDiskPattern.verifySequential(disk, DISK_BLOCKS, acked));
    }

    @Test
    public void unprotectEndsProtectionWithoutAFailover() throws Exception {
        Vm vm = rig.primaryVms.start("kvm", spec());
        rig.primary.protect("vm1", rig.standbyAddress());
        EngineRig.await(() -> rig.primary.status("vm1").orElseThrow().epochs() > 20, 20_000, "20 epochs");
        rig.primary.unprotect("vm1");
        assertTrue(rig.primary.status("vm1").isEmpty());
        EngineRig.await(() -> rig.standby.list().stream().allMatch(s -> s.state() == State.ENDED), 5_000,
                () -> "the standby to end its session: " + rig.standby.list());
        TestTime.sleep(500);
        assertTrue("no second copy of the VM may start", rig.standbyVms.list().isEmpty());
        long acked = EngineRig.guestStatus(vm, EngineRig.DISK_WRITES_ACKED);
        EngineRig.await(() -> EngineRig.guestStatus(vm, EngineRig.DISK_WRITES_ACKED) > acked + 20, 10_000,
                "the unprotected guest to go on writing");
    }

    @Test
    public void aPrimaryThatLosesItsStandbyRunsOnUnprotectedThenIsProtectedAgain() throws Exception {
        Vm vm = rig.primaryVms.start("kvm", spec());
        rig.primary.protect("vm1", rig.standbyAddress());
        EngineRig.await(() -> rig.primary.status("vm1").orElseThrow().epochs() > 20, 20_000, "20 epochs");

        rig.killStandby();
        EngineRig.await(() -> rig.primary.status("vm1").orElseThrow().state() == State.UNPROTECTED, 5_000,
                "the primary to notice");
        String message = rig.primary.status("vm1").orElseThrow().message();
        assertTrue(message, message.startsWith("standby lost"));
        long acked = EngineRig.guestStatus(vm, EngineRig.DISK_WRITES_ACKED);
        EngineRig.await(() -> EngineRig.guestStatus(vm, EngineRig.DISK_WRITES_ACKED) > acked + 20, 10_000,
                "the guest to go on writing without a standby");

        rig.startStandby();
        EngineRig.await(() -> rig.primary.status("vm1").orElseThrow().state() == State.PROTECTED, 20_000,
                "protection to come back");
        EngineRig.await(() -> rig.standby.status("vm1").map(s -> s.committedEpoch() > 5).orElse(false), 10_000,
                "the new standby to commit epochs");
    }

    @Test
    public void swappingTheCheckpointPolicyTakesEffectWhileProtected() throws Exception {
        rig.primaryVms.start("kvm", spec());
        rig.primary.protect("vm1", rig.standbyAddress());
        EngineRig.await(() -> "event-driven".equals(rig.primary.status("vm1").orElseThrow().checkpointPolicy()), 5_000,
                "event-driven epochs");
        rig.primary.setCheckpointPolicy(new org.kemari.policy.checkpoint.internal.PeriodicCheckpointPolicy(50_000));
        EngineRig.await(() -> "periodic".equals(rig.primary.status("vm1").orElseThrow().checkpointPolicy()), 5_000,
                "the periodic policy to be used");
        long before = rig.primary.status("vm1").orElseThrow().epochs();
        long window = TestTime.millis(1_000L); // a second, on this machine's clock
        Thread.sleep(window);
        ProtectionStatus after = rig.primary.status("vm1").orElseThrow();
        assertEquals(State.PROTECTED, after.state());
        long perSecond = (after.epochs() - before) * 1_000 / window;
        // 50 ms periods: about 20 a second (a loaded machine may manage fewer, never many more).
        assertTrue("epochs in a second with 50 ms periods: " + perSecond, perSecond >= 3 && perSecond <= 25);
    }

    @Test
    public void badProtectRequestsAreClearErrors() throws Exception {
        ProtectionException unknown = assertThrows(ProtectionException.class,
                () -> rig.primary.protect("ghost", rig.standbyAddress()));
        assertEquals(ProtectionException.Reason.UNKNOWN_VM, unknown.reason());
        assertEquals("no VM named 'ghost' on this node", unknown.getMessage());

        rig.primaryVms.start("kvm", spec());
        ProtectionException unreachable = assertThrows(ProtectionException.class,
                () -> rig.primary.protect("vm1", new Endpoint("127.0.0.1", 1)));
        assertEquals(ProtectionException.Reason.STANDBY_UNREACHABLE, unreachable.reason());
        assertTrue(unreachable.getMessage(), unreachable.getMessage().contains("refused the connection"));

        rig.primary.protect("vm1", rig.standbyAddress());
        ProtectionException twice = assertThrows(ProtectionException.class,
                () -> rig.primary.protect("vm1", rig.standbyAddress()));
        assertEquals(ProtectionException.Reason.ALREADY_PROTECTED, twice.reason());
    }

    @Test
    public void damagedDataOnTheLinkIsRejectedAndNeverLeadsToATakeover() throws Exception {
        Vm vm = rig.primaryVms.start("kvm", spec());
        try (ChaosProxy proxy = ChaosProxy.start(rig.standbyPort)) {
            // One flipped byte well after the initial copy (32 MiB of memory) of the first connection only.
            proxy.toTarget().flipByteAt(36L << 20);
            rig.primary.protect("vm1", new Endpoint("127.0.0.1", proxy.port()));
            proxy.toTarget().clear();
            EngineRig.await(() -> rig.standby.list().stream().anyMatch(s -> s.message().startsWith("link corrupted")), 20_000,
                    () -> "the standby to detect the damage: " + rig.standby.list());
            TestTime.sleep(500);
            assertTrue("a corrupted link must never make the standby run the VM", rig.standbyVms.list().isEmpty());
            EngineRig.await(() -> rig.primary.status("vm1").orElseThrow().state() == State.PROTECTED
                    && rig.standby.status("vm1").map(s -> s.committedEpoch() > 3).orElse(false), 20_000,
                    () -> "protection to resume over a clean connection: " + rig.primary.list() + rig.standby.list());
            long acked = EngineRig.guestStatus(vm, EngineRig.DISK_WRITES_ACKED);
            EngineRig.await(() -> EngineRig.guestStatus(vm, EngineRig.DISK_WRITES_ACKED) > acked + 10, 10_000,
                    "the guest to go on writing under the new protection");
        }
    }

    @Test
    public void aPeerSpeakingANewerStreamVersionIsRefusedWithBothVersions() throws Exception {
        try (org.kemari.api.transport.ReplicationLink link = rig.primaryTcp.connect(rig.standbyAddress(), TestTime.millis(2_000L))) {
            java.nio.ByteBuffer header = new org.kemari.core.internal.stream.StreamHeader(2, 0, 0, "vm1").encode();
            link.send(header);
            java.nio.ByteBuffer reply = link.receive(TestTime.millis(5_000L));
            org.kemari.core.internal.stream.Refuse refuse = (org.kemari.core.internal.stream.Refuse)
                    new org.kemari.core.internal.stream.ControlChannel().decodeFrame(reply).get(0);
            assertEquals("standby (epoch stream 1.0) refused the stream: UNSUPPORTED_VERSION: peer speaks epoch stream 2.0, "
                    + "this node reads 1.x", refuse.toException().getMessage());
        }
        assertTrue(rig.standbyVms.list().isEmpty());
    }

    @Test
    public void aFailedTakeoverKeepsTheCopyForTheOperatorToRetry() throws Exception {
        Vm vm = rig.primaryVms.start("kvm", spec());
        rig.primary.protect("vm1", rig.standbyAddress());
        EngineRig.await(() -> rig.primary.status("vm1").orElseThrow().epochs() > 20, 20_000, "20 epochs");
        // Something on the standby node is in the way of the takeover: a VM of the same name.
        Vm squatter = rig.standbyVms.start("kvm", new VmSpec("vm1", 32 << 20, 1, VmSpec.TEST_GUEST, List.of(), List.of(),
                Map.of("guest.pace-us", "1000")));
        rig.crashPrimary(vm);
        EngineRig.await(() -> rig.standby.status("vm1").map(s -> s.state() == State.FAILOVER_FAILED).orElse(false), 5_000,
                () -> "the takeover to fail: " + rig.standby.list());
        String message = rig.standby.status("vm1").orElseThrow().message();
        assertTrue(message, message.contains("a VM named 'vm1' already exists on this node"));
        assertTrue(message, message.contains("the committed copy is kept"));
        assertTrue("only the squatter runs", rig.standbyVms.find("vm1").orElseThrow() == squatter);

        rig.standbyVms.stop("vm1");
        ProtectionStatus after = rig.standby.failover("vm1");
        assertEquals(after.message(), State.FAILED_OVER, after.state());
        Vm survivor = rig.standbyVms.find("vm1").orElseThrow();
        long acked = EngineRig.guestStatus(survivor, EngineRig.DISK_WRITES_ACKED);
        EngineRig.await(() -> EngineRig.guestStatus(survivor, EngineRig.DISK_WRITES_ACKED) > acked + 10, 10_000,
                "the guest to go on writing on the standby");
        survivor.pause();
        assertNull(GuestDiskPattern.verifySequential(disk, DISK_BLOCKS, EngineRig.guestStatus(survivor, EngineRig.DISK_WRITES_ACKED)));
    }

    @Test
    public void anOperatorFailoverFencesALivePrimarySoOnlyOneCopyRuns() throws Exception {
        Vm vm = rig.primaryVms.start("kvm", spec());
        rig.primary.protect("vm1", rig.standbyAddress());
        EngineRig.await(() -> rig.primary.status("vm1").orElseThrow().epochs() > 20, 20_000, "20 epochs");

        ProtectionStatus taken = rig.standby.failover("vm1");
        assertEquals(taken.message(), State.FAILED_OVER, taken.state());
        EngineRig.await(() -> vm.state().isTerminal(), 5_000, "the primary's copy to stop");
        ProtectionStatus primary = rig.primary.status("vm1").orElseThrow();
        assertEquals(State.ENDED, primary.state());
        assertTrue(primary.message(), primary.message().startsWith("fenced: standby"));

        Vm survivor = rig.standbyVms.find("vm1").orElseThrow();
        long acked = EngineRig.guestStatus(survivor, EngineRig.DISK_WRITES_ACKED);
        EngineRig.await(() -> EngineRig.guestStatus(survivor, EngineRig.DISK_WRITES_ACKED) > acked + 10, 10_000,
                "the guest to go on writing on the standby");
        survivor.pause();
        assertNull(GuestDiskPattern.verifySequential(disk, DISK_BLOCKS, EngineRig.guestStatus(survivor, EngineRig.DISK_WRITES_ACKED)));
    }
}
