package org.kemari.core.internal.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.management.Distribution;
import org.kemari.api.management.ProtectionException;
import org.kemari.api.management.ProtectionMetrics;
import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.management.ProtectionStatus.Role;
import org.kemari.api.management.ProtectionStatus.State;
import org.kemari.core.internal.BackendRegistryImpl;
import org.kemari.core.internal.VmManagerImpl;
import org.kemari.io.disk.internal.DiskCheckpointDeviceProvider;
import org.kemari.policy.checkpoint.internal.EventDrivenCheckpointPolicy;
import org.kemari.policy.failover.internal.HeartbeatTimeoutFailoverPolicy;
import org.kemari.transport.tcp.internal.TcpSettings;
import org.kemari.api.transport.Endpoint;
import org.kemari.testing.ChaosProxy;
import org.kemari.transport.tcp.internal.TcpTransport;

/**
 * The stream-checkpointing seam without a hypervisor: a fake VM writes its own checkpoint stream,
 * two engine nodes over real TCP on loopback carry it in epochs, hold its output until the standby
 * applied the epoch, and the standby takes over from the backend's last applied checkpoint.
 */
public class StreamCheckpointingEngineTest {
    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();
    private final FakeStreamBackend backend = new FakeStreamBackend();
    private final TcpTransport primaryTcp = new TcpTransport(TcpSettings.defaults());
    private TcpTransport standbyTcp;
    /** The standby's port, kept across a standby restart so the primary can reconnect. */
    private int standbyPort;
    private VmManagerImpl primaryVms;
    private VmManagerImpl standbyVms;
    private ProtectionManagerImpl primary;
    private ProtectionManagerImpl standby;

    @Before
    public void setUp() throws java.io.IOException {
        primaryVms = new VmManagerImpl(registry());
        standbyVms = new VmManagerImpl(registry());
        primary = new ProtectionManagerImpl(primaryVms, registry(), primaryTcp, new EventDrivenCheckpointPolicy(),
                new HeartbeatTimeoutFailoverPolicy(200));
        primary.apply(EngineConfigs.of(Map.of("standby_listen", "", "standbySilenceMillis", 300L,
                "reconnectIntervalMillis", 100L)));
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            standbyPort = s.getLocalPort();
        }
        startStandby();
    }

    private void startStandby() {
        standbyTcp = new TcpTransport(TcpSettings.defaults());
        standby = new ProtectionManagerImpl(standbyVms, registry(), standbyTcp, new EventDrivenCheckpointPolicy(),
                new HeartbeatTimeoutFailoverPolicy(200));
        standby.apply(EngineConfigs.of(Map.of("standby_listen", "127.0.0.1:" + standbyPort,
                "standby_replicatedDiskRoot", tmp.getRoot().toPath().resolve("standby").toString())));
        EngineRig.await(() -> standby.standbyAddress() != null, 5_000, "standby listening");
    }

    private BackendRegistryImpl registry() {
        BackendRegistryImpl r = new BackendRegistryImpl();
        r.add(backend, 0, 1);
        return r;
    }

    @After
    public void tearDown() {
        primary.deactivate();
        standby.deactivate();
        primaryVms.list().forEach(Vm::close);
        standbyVms.list().forEach(Vm::close);
        primaryTcp.close();
        standbyTcp.close();
    }

    /**
     * Bytes of the standby's answer to the hello (kemari-transport-tcp's Handshake.SIZE): all a
     * "silent" standby gets to say. Any more and its acknowledgement of the initial copy could get
     * through (it did on a slow CI machine, where no heartbeat came first).
     */
    private static final long HELLO_REPLY_BYTES = 16;

    private static VmSpec spec() {
        return new VmSpec("s1", 1 << 20, 1, "fake", List.of(), List.of(), Map.of());
    }

    @Test
    public void outputDrivesEpochsIsHeldUntilAppliedAndTheStandbyTakesOverFromTheStream() throws Exception {
        FakeStreamVm vm = (FakeStreamVm) primaryVms.start("fakestream", spec());
        ProtectionStatus status = primary.protect("s1", standby.standbyAddress());
        assertEquals(status.message(), State.PROTECTED, status.state());
        EngineRig.await(() -> backend.appliedEpoch() >= 5 && vm.visible.size() >= 5, 20_000,
                () -> "5 epochs applied and output released: applied " + backend.appliedEpoch() + ", visible " + vm.visible);
        assertTrue(backend.violations.toString(), backend.violations.isEmpty());
        // The standby applies an epoch before it acknowledges it: the acknowledgement may still be on its way.
        EngineRig.await(() -> primary.status("s1").orElseThrow().committedEpoch() >= 5, 5_000,
                () -> "epochs are acknowledged: " + primary.status("s1").orElseThrow());

        // The primary dies: nothing it lets out is seen any more, its link drops without
        // END_OF_PROTECTION, its VM stops. (Output commit stays checked at every release up to here.)
        long lastVisible = vm.hostDies();
        primaryTcp.close();
        vm.close();

        // Registered before it runs, FAILED_OVER once it runs: wait for the latter.
        EngineRig.await(() -> standby.status("s1").map(st -> st.state() == State.FAILED_OVER).orElse(false), 5_000,
                "the standby to take over");
        assertEquals(State.FAILED_OVER, standby.status("s1").orElseThrow().state());
        FakeStreamVm survivor = (FakeStreamVm) standbyVms.find("s1").orElseThrow();
        assertTrue("taken over from the stream: " + backend.standbyEvents,
                backend.standbyEvents.stream().anyMatch(e -> e.startsWith("takeOver")));
        assertTrue("no state older than released output: " + survivor.counter() + " vs " + lastVisible,
                survivor.counter() >= lastVisible);
        assertTrue(backend.violations.toString(), backend.violations.isEmpty());
        long start = survivor.counter();
        EngineRig.await(() -> survivor.counter() > start + 50, 5_000, "the guest to run on at the standby");
    }

    @Test
    public void metricsCountWhatProtectionDidOnBothNodes() throws Exception {
        FakeStreamVm vm = (FakeStreamVm) primaryVms.start("fakestream", spec());
        assertEquals("no protection, no metrics", List.of(), primary.metrics());
        primary.protect("s1", standby.standbyAddress());
        EngineRig.await(() -> vm.visible.size() >= 10 && primary.metrics().get(0).outputsReleased() >= 10, 20_000,
                () -> "10 outputs released: " + primary.metrics());

        ProtectionMetrics p = primary.metrics().get(0);
        assertEquals(Role.PRIMARY, p.role());
        assertTrue(p.toString(), p.epochs() >= 10);
        // Every output is held; the released ones are at most the held ones, and all were seen by now.
        assertTrue(p.toString(), p.outputsHeld() >= p.outputsReleased() && p.outputsReleased() >= 10);
        // Epoch 0 is in the bytes sent but not among the epoch sizes; every later epoch is.
        assertTrue(p.toString(), p.epochBytes().count() >= p.epochs() - 2 && p.epochBytes().p50() > 0);
        assertTrue(p.toString(), p.bytes() > p.epochBytes().count() * p.epochBytes().p50() / 2);
        assertTrue(p.toString(), p.ackLatencyMicros().count() >= 5 && p.ackLatencyMicros().max() > 0);
        assertTrue(p.toString(), p.outputHoldMicros().count() >= 5 && p.outputHoldMicros().p50() > 0);
        assertEquals(0, p.failovers());

        long lastVisible = vm.hostDies();
        primaryTcp.close();
        vm.close();
        EngineRig.await(() -> standby.status("s1").map(st -> st.state() == State.FAILED_OVER).orElse(false), 5_000,
                "the standby to take over");
        ProtectionMetrics sb = standby.metrics().stream().filter(m -> m.vmName().equals("s1")).findFirst().orElseThrow();
        assertEquals(Role.STANDBY, sb.role());
        assertEquals(1, sb.failovers());
        assertTrue(sb + " vs " + p, sb.epochs() >= 10 && sb.bytes() >= p.bytes());
        assertEquals(Distribution.EMPTY, sb.pauseMicros());
        assertTrue(lastVisible >= 0);
    }

    private VmSpec replicatedSpec(Path image) {
        return new VmSpec("s1", 1 << 20, 1, "fake", List.of(new VmSpec.DiskSpec("vda", "replicated:" + image, false)),
                List.of(), Map.of());
    }

    @Test
    public void aStandbyThatFallsSilentDuringTheInitialCopyIsNamedWithTheReason() throws Exception {
        primaryVms.start("fakestream", spec());
        try (ChaosProxy proxy = ChaosProxy.start(standbyPort)) {
            // The standby's hello answer gets through; nothing it sends after it does (no ack, no heartbeat).
            proxy.toClient().skipBytesAt(HELLO_REPLY_BYTES, Integer.MAX_VALUE);
            ProtectionException e = assertThrows(ProtectionException.class,
                    () -> primary.protect("s1", new Endpoint("127.0.0.1", proxy.port())));
            assertEquals(ProtectionException.Reason.STANDBY_UNREACHABLE, e.reason());
            assertTrue(e.getMessage(), e.getMessage().matches(
                    "lost standby 127\\.0\\.0\\.1:" + proxy.port() + " during the initial copy: standby .* silent for \\d+ ms"));
        }
        assertTrue("the VM runs on, unprotected", primary.status("s1").isEmpty());
    }

    @Test
    public void aVmThatDiesDuringItsInitialCopyIsReportedAsSuchNotAsALostStandby() throws Exception {
        primaryVms.start("fakestream", new VmSpec("s1", 1 << 20, 1, "fake", List.of(), List.of(),
                Map.of(FakeStreamVm.CRASH_IN_INITIAL_COPY, "true")));
        ProtectionException e = assertThrows(ProtectionException.class, () -> primary.protect("s1", standby.standbyAddress()));
        assertEquals(ProtectionException.Reason.VM_NOT_PROTECTABLE, e.reason());
        assertEquals("VM s1 could not be protected: the VM has stopped during the initial copy", e.getMessage());
    }

    @Test
    public void replicatedDisksWithoutADiskInterceptorAreRefused() throws Exception {
        Path image = tmp.newFile("vm.img").toPath();
        Files.write(image, new byte[4096]);
        primaryVms.start("fakestream", replicatedSpec(image));
        ProtectionException e = assertThrows(ProtectionException.class, () -> primary.protect("s1", standby.standbyAddress()));
        assertEquals(ProtectionException.Reason.VM_NOT_PROTECTABLE, e.reason());
        assertEquals("VM s1 has replicated disks but no disk interceptor is installed (bundle kemari-io-disk): their writes"
                + " would never reach the standby", e.getMessage());
    }

    @Test
    public void replicatedDiskWritesTravelInTheirEpochsAndTheCopyRunsOnTheStandbysImage() throws Exception {
        primary.addDeviceProvider(new DiskCheckpointDeviceProvider());
        Path image = tmp.newFile("vm.img").toPath();
        byte[] initial = new byte[64 * 1024];
        java.util.Arrays.fill(initial, initial.length - 512, initial.length, (byte) 0x5a); // must arrive by the initial copy
        Files.write(image, initial);
        Path replica = tmp.getRoot().toPath().resolve("standby").resolve(image.toString().substring(1));
        Files.createDirectories(replica.getParent());
        Files.write(replica, new byte[] {1, 2, 3}); // stale: the initial copy replaces it
        FakeStreamVm vm = (FakeStreamVm) primaryVms.start("fakestream", replicatedSpec(image));
        ProtectionStatus status = primary.protect("s1", standby.standbyAddress());
        assertEquals(status.message(), State.PROTECTED, status.state());
        EngineRig.await(() -> backend.appliedEpoch() >= 5 && vm.visible.size() >= 5, 20_000, "5 epochs applied");

        backend.protectedRun = false;
        primaryTcp.close();
        vm.close();
        // Registered before it runs, FAILED_OVER once it runs: wait for the latter.
        EngineRig.await(() -> standby.status("s1").map(st -> st.state() == State.FAILED_OVER).orElse(false), 5_000,
                "the standby to take over");
        FakeStreamVm survivor = (FakeStreamVm) standbyVms.find("s1").orElseThrow();
        assertEquals("the copy runs on this node's image", replica.toString(), survivor.spec().disks().get(0).imagePath());
        long applied = backend.appliedCounter();
        EngineRig.await(() -> survivor.counter() > applied + 100, 5_000, "the copy to run on");
        survivor.close();

        byte[] copy = Files.readAllBytes(replica);
        assertEquals(initial.length, copy.length);
        assertEquals("the initial copy", 0x5a, copy[copy.length - 1]);
        assertCopyHoldsExactlyTheCommittedWrites(copy, applied);
    }

    @Test
    public void theInitialCopysProgressIsTheStatusAndUnprotectStopsTheCopy() throws Exception {
        primary.addDeviceProvider(new DiskCheckpointDeviceProvider());
        Path image = tmp.newFile("vm.img").toPath();
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(32 << 20);
        }
        primaryVms.start("fakestream", replicatedSpec(image));
        try (ChaosProxy slowLink = ChaosProxy.start(standbyPort)) {
            // About 3 MiB/s: the 33 MiB copy takes ~10 s.
            slowLink.toTarget().delayMillis(20);
            java.util.concurrent.CompletableFuture<ProtectionStatus> protect = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return primary.protect("s1", new Endpoint("127.0.0.1", slowLink.port()));
                } catch (ProtectionException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            String progress = "initial copy: (\\d+\\.\\d) of about 33\\.0 MiB sent \\((\\d+) %\\), [\\d.]+ MiB/s, about \\d+ s left";
            EngineRig.await(() -> primary.status("s1").map(st -> st.state() == State.SYNCHRONIZING
                    && st.message().matches(progress) && !st.message().startsWith("initial copy: 0.0")).orElse(false), 10_000,
                    () -> "the copy's progress in the status: " + primary.status("s1"));
            String first = primary.status("s1").orElseThrow().message();
            EngineRig.await(() -> !primary.status("s1").orElseThrow().message().equals(first), 5_000,
                    () -> "the progress to move on from " + first);

            primary.unprotect("s1");
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> protect.get(10, java.util.concurrent.TimeUnit.SECONDS));
            ProtectionException why = (ProtectionException) e.getCause();
            assertEquals(ProtectionException.Reason.NOT_PROTECTED, why.reason());
            assertEquals("protection of VM s1 was ended during its initial copy (kemari:unprotect)", why.getMessage());
        }
        assertTrue("nothing protected any more", primary.status("s1").isEmpty());
        // The standby never had a committed copy: it drops the session and starts nothing.
        EngineRig.await(() -> standby.list().stream().noneMatch(st -> st.state() == State.SYNCHRONIZING), 10_000,
                () -> "the standby to drop the half copy: " + standby.list());
        assertTrue("no copy runs on the standby", standbyVms.list().isEmpty());
        assertTrue("the VM runs on at the primary", primaryVms.find("s1").orElseThrow().state() == org.kemari.api.hv.VmState.RUNNING);
    }

    /** Slots up to the checkpoint the copy runs from hold the primary's writes; later ones never do. */
    private static void assertCopyHoldsExactlyTheCommittedWrites(byte[] copy, long applied) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(copy);
        for (long c = 20; c <= applied + 100; c += 20) {
            long value = b.getLong((int) (c / 20 * 16));
            long writer = b.getLong((int) (c / 20 * 16 + 8));
            if (c <= applied) {
                // Written before the checkpoint the copy runs from: the standby has it.
                assertEquals("slot of " + c + " (checkpoint at " + applied + ")", c, value);
                assertEquals("slot of " + c + " written by the primary", 1, writer);
            } else {
                // After it: never the dead primary's (uncommitted) write; the copy's own if it got there.
                assertTrue("slot of " + c + " after the checkpoint at " + applied + " holds " + value + "/" + writer,
                        (value == 0 && writer == 0) || (value == c && writer == 2));
            }
        }
    }

    @Test
    public void afterALostStandbyTheNewInitialCopyBringsTheWritesMadeUnprotected() throws Exception {
        primary.addDeviceProvider(new DiskCheckpointDeviceProvider());
        Path image = tmp.newFile("vm.img").toPath();
        Files.write(image, new byte[64 * 1024]);
        Path replica = tmp.getRoot().toPath().resolve("standby").resolve(image.toString().substring(1));
        Files.createDirectories(replica.getParent());
        FakeStreamVm vm = (FakeStreamVm) primaryVms.start("fakestream", replicatedSpec(image));
        primary.protect("s1", standby.standbyAddress());
        EngineRig.await(() -> backend.appliedEpoch() >= 3, 20_000, "3 epochs applied");

        // The standby goes away; the guest writes on, unprotected, to its own image only.
        standby.deactivate();
        standbyTcp.close();
        EngineRig.await(() -> primary.status("s1").orElseThrow().state() == State.UNPROTECTED, 5_000, "the primary to notice");
        long unprotectedFrom = vm.counter();
        EngineRig.await(() -> vm.counter() > unprotectedFrom + 200, 5_000, "the guest to write unprotected");

        startStandby();
        EngineRig.await(() -> primary.status("s1").orElseThrow().state() == State.PROTECTED, 20_000, "protection to come back");
        long reprotectedAt = vm.counter();
        EngineRig.await(() -> backend.appliedCounter() > reprotectedAt + 100, 20_000, "epochs on the new standby");

        backend.protectedRun = false;
        primaryTcp.close();
        vm.close();
        EngineRig.await(() -> standby.status("s1").map(st -> st.state() == State.FAILED_OVER).orElse(false), 5_000,
                "the new standby to take over");
        long applied = backend.appliedCounter();
        standbyVms.find("s1").orElseThrow().close();
        // Writes made while unprotected reached the new standby only through its epoch 0 (the whole image).
        assertTrue(applied + " > " + unprotectedFrom, applied > unprotectedFrom + 200);
        assertCopyHoldsExactlyTheCommittedWrites(Files.readAllBytes(replica), applied);
    }

    @Test
    public void unprotectMakesTheStandbyDiscardItsBackendCopy() throws Exception {
        FakeStreamVm vm = (FakeStreamVm) primaryVms.start("fakestream", spec());
        primary.protect("s1", standby.standbyAddress());
        EngineRig.await(() -> backend.appliedEpoch() >= 2, 20_000, "2 epochs applied");
        assertTrue(backend.violations.toString(), backend.violations.isEmpty());
        // Unprotected, output goes out at once: no longer an output-commit violation.
        backend.protectedRun = false;
        primary.unprotect("s1");
        EngineRig.await(() -> backend.standbyEvents.contains("close"), 5_000, () -> "standby closed: " + backend.standbyEvents);
        Thread.sleep(300);
        assertTrue(standbyVms.find("s1").isEmpty());
        long before = vm.visible.size();
        EngineRig.await(() -> vm.visible.size() > before + 2, 5_000, "output flows unprotected");
    }
}
