package org.kemari.hv.kvm.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.DataInputStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.StateRecord;
import org.kemari.hv.kvm.internal.sys.KvmLayout;

/**
 * The fast vCPU capture writes exactly the {@code kvm.vcpu} v2 layout that StateCodec's stream
 * encoder writes (a test-ABI machine has no LAPIC: its length is 0).
 */
public class VcpuStateLayoutTest {
    private KvmVm vm;

    @Before
    public void setUp() {
        KvmTestSupport.assumeKvm();
    }

    @After
    public void tearDown() {
        if (vm != null) {
            vm.close();
        }
    }

    /** KVM_CAP_SYNC_REGS copies in the run area equal what the get-state ioctls return after a pause. */
    @Test(timeout = 60_000)
    public void syncedRegsEqualTheIoctlsAfterAPause() throws Exception {
        vm = (KvmVm) new KvmBackend().create(KvmTestSupport.testGuest("synced", 32 << 20,
                Map.of(GuestOptions.WORKLOADS, "dirtier", GuestOptions.DIRTY_PAGES, "7",
                        GuestOptions.DIRTY_REGION_PAGES, "256", GuestOptions.PACE_US, "100")));
        assertTrue(KvmTestSupport.await(() -> vm.ram().getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_SEQUENCE) > 5, 30, TimeUnit.SECONDS));
        KvmVcpuFd vcpu = vm.vcpus().get(0);
        org.junit.Assume.assumeTrue("KVM_CAP_SYNC_REGS enabled", vcpu.syncedStateFresh());
        for (int i = 0; i < 20; i++) {
            vm.pause();
            assertTrue(vcpu.syncedStateFresh());
            assertSynced(vcpu, KvmLayout.RUN_SYNC_REGS, KvmLayout.REGS_SIZE, vcpu.getRegs());
            assertSynced(vcpu, KvmLayout.RUN_SYNC_SREGS, KvmLayout.SREGS_SIZE, vcpu.getSregs());
            assertSynced(vcpu, KvmLayout.RUN_SYNC_EVENTS, KvmLayout.VCPU_EVENTS_SIZE, vcpu.get(
                    org.kemari.hv.kvm.internal.sys.KvmConstants.KVM_GET_VCPU_EVENTS, KvmLayout.VCPU_EVENTS_SIZE, "events"));
            vm.resume();
            Thread.sleep(2);
        }
        vm.pause();
        vcpu.setRegs(vcpu.getRegs());
        assertTrue("a set invalidates the synced copies", !vcpu.syncedStateFresh());
    }

    private static void assertSynced(KvmVcpuFd vcpu, int runOffset, int size, byte[] expected) {
        byte[] synced = new byte[size];
        vcpu.getSynced(runOffset, size, synced, 0);
        assertArrayEquals(expected, synced);
    }

    @Test(timeout = 60_000)
    public void capturedPayloadIsTheV2StreamLayout() throws Exception {
        vm = (KvmVm) new KvmBackend().create(KvmTestSupport.testGuest("layout", 32 << 20,
                Map.of(GuestOptions.WORKLOADS, "dirtier", GuestOptions.DIRTY_PAGES, "7",
                        GuestOptions.DIRTY_REGION_PAGES, "256", GuestOptions.PACE_US, "100")));
        assertTrue(KvmTestSupport.await(() -> vm.ram().getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_SEQUENCE) > 5, 30, TimeUnit.SECONDS));
        vm.pause();
        StateRecord record = vm.captureState().records().stream().filter(r -> r.kind().equals(VcpuState.KIND))
                .findFirst().orElseThrow();
        assertEquals(VcpuState.VERSION, record.version());

        DataInputStream in = StateCodec.decode(record.payload(), 0x4B564331, "test");
        int id = in.readInt();
        byte[] regs = StateCodec.readBytes(in, KvmLayout.REGS_SIZE, "regs");
        byte[] sregs = StateCodec.readBytes(in, KvmLayout.SREGS_SIZE, "sregs");
        byte[] xsave = StateCodec.readBytes(in, KvmLayout.XSAVE_SIZE, "xsave");
        byte[] xcrs = StateCodec.readBytes(in, KvmLayout.XCRS_SIZE, "xcrs");
        int n = in.readInt();
        int[] indices = new int[n];
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            indices[i] = in.readInt();
            values[i] = in.readLong();
        }
        byte[] events = StateCodec.readBytes(in, KvmLayout.VCPU_EVENTS_SIZE, "events");
        byte[] mp = StateCodec.readBytes(in, KvmLayout.MP_STATE_SIZE, "mp");
        byte[] debug = StateCodec.readBytes(in, KvmLayout.DEBUGREGS_SIZE, "debug");
        byte[] lapic = StateCodec.readBytes(in, 0, "lapic");
        assertEquals("nothing after the last struct", 0, in.available());

        byte[] reencoded = StateCodec.encode(0x4B564331, out -> {
            out.writeInt(id);
            StateCodec.writeBytes(out, regs);
            StateCodec.writeBytes(out, sregs);
            StateCodec.writeBytes(out, xsave);
            StateCodec.writeBytes(out, xcrs);
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                out.writeInt(indices[i]);
                out.writeLong(values[i]);
            }
            StateCodec.writeBytes(out, events);
            StateCodec.writeBytes(out, mp);
            StateCodec.writeBytes(out, debug);
            StateCodec.writeBytes(out, lapic);
        });
        assertArrayEquals(reencoded, record.payload());
        assertEquals(VcpuState.payloadSize(n, false), record.payload().length);
    }
}
