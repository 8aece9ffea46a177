package org.kemari.core.internal.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.management.ProtectionStatus.State;
import org.kemari.core.internal.BackendRegistryImpl;
import org.kemari.core.internal.VmManagerImpl;
import org.kemari.policy.checkpoint.internal.EventDrivenCheckpointPolicy;
import org.kemari.policy.failover.internal.HeartbeatTimeoutFailoverPolicy;
import org.kemari.transport.tcp.internal.TcpSettings;
import org.kemari.transport.tcp.internal.TcpTransport;

/**
 * The stream-checkpointing seam without a hypervisor: a fake VM writes its own checkpoint stream,
 * two engine nodes over real TCP on loopback carry it in epochs, hold its output until the standby
 * applied the epoch, and the standby takes over from the backend's last applied checkpoint.
 */
public class StreamCheckpointingEngineTest {
    private final FakeStreamBackend backend = new FakeStreamBackend();
    private final TcpTransport primaryTcp = new TcpTransport(TcpSettings.defaults());
    private final TcpTransport standbyTcp = new TcpTransport(TcpSettings.defaults());
    private VmManagerImpl primaryVms;
    private VmManagerImpl standbyVms;
    private ProtectionManagerImpl primary;
    private ProtectionManagerImpl standby;

    @Before
    public void setUp() {
        primaryVms = new VmManagerImpl(registry());
        standbyVms = new VmManagerImpl(registry());
        primary = new ProtectionManagerImpl(primaryVms, registry(), primaryTcp, new EventDrivenCheckpointPolicy(),
                new HeartbeatTimeoutFailoverPolicy(200));
        primary.apply(EngineConfigs.of(Map.of("standby_listen", "", "standbySilenceMillis", 300L)));
        standby = new ProtectionManagerImpl(standbyVms, registry(), standbyTcp, new EventDrivenCheckpointPolicy(),
                new HeartbeatTimeoutFailoverPolicy(200));
        standby.apply(EngineConfigs.of(Map.of("standby_listen", "127.0.0.1:0")));
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
        ProtectionStatus p = primary.status("s1").orElseThrow();
        assertTrue("epochs are acknowledged: " + p, p.committedEpoch() >= 5);

        // The primary dies: its link drops without END_OF_PROTECTION, its VM stops.
        backend.protectedRun = false;
        primaryTcp.close();
        vm.close();
        long lastVisible = vm.visible.get(vm.visible.size() - 1);

        EngineRig.await(() -> standbyVms.find("s1").isPresent(), 5_000, "the standby to take over");
        assertEquals(State.FAILED_OVER, standby.status("s1").orElseThrow().state());
        FakeStreamVm survivor = (FakeStreamVm) standbyVms.find("s1").orElseThrow();
        assertTrue("taken over from the stream: " + backend.standbyEvents,
                backend.standbyEvents.stream().anyMatch(e -> e.startsWith("takeOver")));
        assertTrue("no state older than released output: " + survivor.counter() + " vs " + lastVisible,
                survivor.counter() >= lastVisible);
        long start = survivor.counter();
        EngineRig.await(() -> survivor.counter() > start + 50, 5_000, "the guest to run on at the standby");
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
