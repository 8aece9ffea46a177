package org.kemari.hv.kvm.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.StateRecord;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmState;

/** pause/resume, capture while paused, and restore in this JVM continuing identically. */
public class PauseCaptureRestoreTest {
    private static final int REGION_PAGES = 256;
    private KvmVm original;
    private KvmVm restored;

    @Before
    public void setUp() {
        KvmTestSupport.assumeKvm();
    }

    @After
    public void tearDown() {
        if (original != null) {
            original.close();
        }
        if (restored != null) {
            restored.close();
        }
    }

    private static VmSpec spec() {
        return KvmTestSupport.testGuest("pcr", 32 << 20, Map.of(
                GuestOptions.WORKLOADS, "dirtier",
                GuestOptions.DIRTY_PAGES, "7",
                GuestOptions.DIRTY_REGION_PAGES, Integer.toString(REGION_PAGES),
                GuestOptions.PACE_US, "200"));
    }

    private long sequence(KvmVm vm) {
        return vm.ram().getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_SEQUENCE);
    }

    @Test(timeout = 120_000)
    public void pauseStopsTheGuestAndResumeContinues() throws Exception {
        original = (KvmVm) new KvmBackend().create(spec());
        assertTrue(KvmTestSupport.await(() -> sequence(original) > 10, 30, TimeUnit.SECONDS));
        for (int i = 0; i < 5; i++) {
            original.pause();
            assertEquals(VmState.PAUSED, original.state());
            long seq = sequence(original);
            Thread.sleep(20);
            assertEquals("guest ran while paused", seq, sequence(original));
            original.pause(); // idempotent
            original.resume();
            assertEquals(VmState.RUNNING, original.state());
            assertTrue(KvmTestSupport.await(() -> sequence(original) > seq + 2, 30, TimeUnit.SECONDS));
        }
        try {
            original.captureState();
            fail("capture while running must be refused");
        } catch (HypervisorException e) {
            assertEquals(HypervisorException.Reason.WRONG_STATE, e.reason());
        }
    }

    @Test(timeout = 120_000)
    public void restoredVmContinuesLikeTheOriginal() throws Exception {
        original = (KvmVm) new KvmBackend().create(spec());
        assertTrue(KvmTestSupport.await(() -> sequence(original) > 25, 30, TimeUnit.SECONDS));
        original.pause();
        MachineState state = original.captureState();
        HeapMemoryImage memory = HeapMemoryImage.copyOf(original.memory());
        assertEquals(List.of("kvm.machine", "kvm.vcpu"), state.records().stream().map(StateRecord::kind).toList());

        ReportRecorder before = new ReportRecorder(REGION_PAGES, 30);
        original.addReportHook(before);
        original.resume();
        assertTrue(before.await(60, TimeUnit.SECONDS));

        restored = (KvmVm) new KvmBackend().restore(spec(), memory, state);
        assertEquals(VmState.CREATED, restored.state());
        ReportRecorder after = new ReportRecorder(REGION_PAGES, 30);
        restored.addReportHook(after);
        restored.resume();
        assertTrue(after.await(60, TimeUnit.SECONDS));
        assertEquals(before.observations(), after.observations());
        assertNotEquals(before.observations().get(0), before.observations().get(29));
    }

    @Test(timeout = 60_000)
    public void foreignOrDamagedStateIsRefused() throws Exception {
        original = (KvmVm) new KvmBackend().create(spec());
        original.pause();
        MachineState state = original.captureState();
        HeapMemoryImage memory = HeapMemoryImage.copyOf(original.memory());
        original.close();
        original = null;

        assertBadState(new MachineState("xen", state.records()), memory, "captured by backend 'xen'");
        List<StateRecord> unknown = new java.util.ArrayList<>(state.records());
        unknown.add(new StateRecord("kvm.gizmo", "0", 1, new byte[8]));
        assertBadState(new MachineState("kvm", unknown), memory, "unknown state record kind 'kvm.gizmo'");
        List<StateRecord> newer = state.records().stream()
                .map(r -> r.kind().equals("kvm.vcpu") ? new StateRecord(r.kind(), r.instance(), VcpuState.VERSION + 1, r.payload()) : r).toList();
        assertBadState(new MachineState("kvm", newer), memory, "kvm.vcpu 0: version " + (VcpuState.VERSION + 1) + " is not supported");
        List<StateRecord> damaged = state.records().stream().map(r -> {
            if (!r.kind().equals("kvm.vcpu")) {
                return r;
            }
            byte[] p = r.payload().clone();
            p[100] ^= 1;
            return new StateRecord(r.kind(), r.instance(), r.version(), p);
        }).toList();
        assertBadState(new MachineState("kvm", damaged), memory, "checksum mismatch");
    }

    private void assertBadState(MachineState state, HeapMemoryImage memory, String expected) {
        try {
            restored = (KvmVm) new KvmBackend().restore(spec(), memory, state);
            fail("restore must refuse: " + expected);
        } catch (HypervisorException e) {
            assertEquals(e.getMessage(), HypervisorException.Reason.BAD_STATE, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains(expected));
        }
    }
}
