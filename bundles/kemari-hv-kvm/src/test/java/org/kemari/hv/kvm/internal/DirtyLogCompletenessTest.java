package org.kemari.hv.kvm.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.DirtyPageSet;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmSpec.DiskSpec;

/**
 * Every page that changed between two pauses is in the dirty set — whether the guest wrote it
 * (KVM's log) or virtio-blk did (DMA recorded by the device-dirty bitmap: used ring, status bytes,
 * read data).
 */
public class DirtyLogCompletenessTest {
    private Path disk;
    private KvmVm vm;

    @Before
    public void setUp() throws Exception {
        KvmTestSupport.assumeKvm();
        disk = Files.createTempFile("kemari-dirty", ".img");
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

    @Test(timeout = 120_000)
    public void everyChangedPageIsDirty() throws Exception {
        VmSpec spec = new VmSpec("dirtylog", 16 << 20, 1, VmSpec.TEST_GUEST, List.of(new DiskSpec("vda", disk.toString(), false)),
                List.of(), Map.of(GuestOptions.WORKLOADS, "dirtier,disk", GuestOptions.DIRTY_PAGES, "3",
                        GuestOptions.DIRTY_REGION_PAGES, "512", GuestOptions.PACE_US, "50"));
        vm = (KvmVm) new KvmBackend().create(spec);
        assertTrue(KvmTestSupport.await(() -> vm.ram().getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_DISK_WRITES_ACKED) > 5, 30, TimeUnit.SECONDS));
        long dirtyPagesSeen = 0;
        for (int epoch = 0; epoch < 10; epoch++) {
            vm.pause();
            vm.fetchAndClearDirtyPages();
            byte[] before = HeapMemoryImage.copyOf(vm.memory()).bytes();
            vm.resume();
            Thread.sleep(20);
            vm.pause();
            DirtyPageSet dirty = vm.fetchAndClearDirtyPages();
            byte[] after = HeapMemoryImage.copyOf(vm.memory()).bytes();
            vm.resume();
            List<Long> missing = new ArrayList<>();
            for (int page = 0; page < after.length / 4096; page++) {
                if (!java.util.Arrays.equals(before, page * 4096, page * 4096 + 4096, after, page * 4096, page * 4096 + 4096)
                        && !dirty.contains(page)) {
                    missing.add((long) page);
                }
            }
            assertEquals("changed pages missing from the dirty set in epoch " + epoch, List.of(), missing);
            dirtyPagesSeen += dirty.count();
        }
        assertTrue(dirtyPagesSeen > 0);
    }
}
