package org.kemari.hv.kvm.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmSpec.DiskSpec;
import org.kemari.api.io.OutputKind;
import org.kemari.api.io.PendingOutput;

/** Disk writes go through the VM's output gate: held, the guest waits; released, it goes on. */
public class OutputGateRoutingTest {
    private Path disk;
    private KvmVm vm;

    @Before
    public void setUp() throws Exception {
        KvmTestSupport.assumeKvm();
        disk = Files.createTempFile("kemari-gate", ".img");
        Files.write(disk, new byte[1 << 20]);
    }

    @After
    public void tearDown() throws Exception {
        if (vm != null) {
            vm.close();
        }
        if (disk != null) {
            Files.deleteIfExists(disk);
        }
    }

    private long acked() {
        return vm.ram().getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_DISK_WRITES_ACKED);
    }

    @Test(timeout = 60_000)
    public void heldDiskWritesStallTheGuestUntilReleased() throws Exception {
        BlockingQueue<PendingOutput> held = new LinkedBlockingQueue<>();
        VmSpec spec = new VmSpec("gate", 16 << 20, 1, VmSpec.TEST_GUEST, List.of(new DiskSpec("vda", disk.toString(), false)),
                List.of(), Map.of(GuestOptions.WORKLOADS, "disk", GuestOptions.DISK_BLOCKS, "16"));
        vm = (KvmVm) new KvmBackend().create(spec);
        vm.setOutputGate(held::add);
        PendingOutput first = held.poll(10, TimeUnit.SECONDS);
        assertTrue("no disk write reached the gate", first != null);
        assertEquals(OutputKind.DISK_WRITE, first.kind());
        assertEquals("vda", first.deviceId());
        long stalledAt = acked();
        Thread.sleep(100);
        assertEquals("the guest must not see its write complete while it is held", stalledAt, acked());
        assertTrue(held.isEmpty());
        vm.setOutputGate(null);
        first.release();
        assertTrue("the guest did not continue after release",
                KvmTestSupport.await(() -> acked() > stalledAt + 10, 10, TimeUnit.SECONDS));
    }
}
