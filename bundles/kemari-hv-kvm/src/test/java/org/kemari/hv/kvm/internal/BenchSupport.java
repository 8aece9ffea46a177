package org.kemari.hv.kvm.internal;

import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmSpec.DiskSpec;

/** What the benchmark harness (package {@code bench}) needs from the backend's internals. */
public final class BenchSupport {
    private BenchSupport() {
    }

    public static final String WORKLOADS = GuestOptions.WORKLOADS;
    public static final String DIRTY_PAGES = GuestOptions.DIRTY_PAGES;
    public static final String DIRTY_REGION_PAGES = GuestOptions.DIRTY_REGION_PAGES;
    public static final String PACE_US = GuestOptions.PACE_US;
    public static final String DISK_BLOCKS = GuestOptions.DISK_BLOCKS;

    public static Vm createTestGuest(String name, long memory, String disk, Map<String, String> options) throws HypervisorException {
        List<DiskSpec> disks = disk == null ? List.of() : List.of(new DiskSpec("vda", disk, false));
        return new KvmBackend().create(new VmSpec(name, memory, 1, VmSpec.TEST_GUEST, disks, List.of(), options));
    }

    /** Times the bare KVM_GET_DIRTY_LOG ioctls of all slots (fetches and clears KVM's log only), in ns. */
    public static long rawDirtyLogFetch(Vm vm) throws HypervisorException {
        KvmVm kvm = (KvmVm) vm;
        MemoryLayout layout = kvm.layout();
        com.sun.jna.Memory[] bitmaps = new com.sun.jna.Memory[layout.slotCount()];
        for (int s = 0; s < bitmaps.length; s++) {
            bitmaps[s] = new com.sun.jna.Memory(Math.max(8, (layout.slotSize(s) / 4096 + 63) / 64 * 8));
        }
        long t0 = System.nanoTime();
        for (int s = 0; s < bitmaps.length; s++) {
            kvm.vmFd().getDirtyLog(s, bitmaps[s]);
        }
        return System.nanoTime() - t0;
    }

    /** Calls {@code hook} with the sequence at every REPORT doorbell, on the vCPU thread. */
    public static void onReport(Vm vm, LongConsumer hook) {
        ((KvmVm) vm).addReportHook((v, sequence) -> hook.accept(sequence));
    }
}
