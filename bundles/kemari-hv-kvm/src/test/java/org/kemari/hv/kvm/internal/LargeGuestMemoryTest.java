package org.kemari.hv.kvm.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.DirtyPageSet;
import org.kemari.api.hv.GuestMemory;

/**
 * A 3.5 GiB guest (cheap: anonymous memory is lazy): both memory slots, views past 2 GiB, and the
 * RAM-offset ↔ guest-physical mapping of the dirty log.
 */
public class LargeGuestMemoryTest {
    private static final long SIZE = 3584L << 20; // 3.5 GiB: 3 GiB below 4 GiB, 512 MiB above
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

    @Test(timeout = 120_000)
    public void bothSlotsAreReadableWritableAndDirtyTracked() throws Exception {
        vm = (KvmVm) new KvmBackend().create(KvmTestSupport.testGuest("large", SIZE, Map.of(
                GuestOptions.WORKLOADS, "dirtier", GuestOptions.PACE_US, "1000")));
        MemoryLayout layout = vm.layout();
        assertEquals(2, layout.slotCount());
        assertEquals(0xC000_0000L, layout.ramBelow4g());
        assertEquals(512L << 20, layout.ramAbove4g());
        assertTrue(KvmTestSupport.await(() -> vm.ram().getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_SEQUENCE) > 3, 30, TimeUnit.SECONDS));
        assertEquals("boot info tells the guest the split", SIZE, vm.ram().getLong(GuestAbi.BOOT_INFO + GuestAbi.BI_RAM_SIZE));

        GuestMemory memory = vm.memory();
        vm.pause();
        vm.fetchAndClearDirtyPages(); // first fetch: everything; starts tracking
        // RAM offsets past 2 GiB and in slot 1 (GPA 4 GiB + x is RAM offset 3 GiB + x).
        long[] offsets = {(2L << 30) + 4096, 0xC000_0000L - 8, 0xC000_0000L, SIZE - 8, (3L << 30) + (100L << 20) + 2048 - 4};
        for (long off : offsets) {
            ByteBuffer b = ByteBuffer.allocate(8).putLong(0, off ^ 0x5A5A5A5AL);
            memory.write(off, b);
        }
        for (long off : offsets) {
            ByteBuffer b = ByteBuffer.allocate(8);
            memory.read(off, b);
            assertEquals(off ^ 0x5A5A5A5AL, b.getLong(0));
        }
        // A read across the slot boundary in RAM-offset space is contiguous.
        ByteBuffer across = ByteBuffer.allocate(16);
        memory.read(0xC000_0000L - 8, across);
        assertEquals((0xC000_0000L - 8) ^ 0x5A5A5A5AL, across.getLong(0));
        assertEquals(0xC000_0000L ^ 0x5A5A5A5AL, across.getLong(8));

        // Device writes by GPA land at the right RAM offset and are in the next fetch.
        PhysicalMemoryView phys = vm.physicalMemory();
        long gpaHigh = 0x1_0000_0000L + (200L << 20);
        phys.writeInt(gpaHigh, 0x12345678);
        phys.writeInt(0x8000_0000L, 0x0BADF00D);
        assertEquals(0x12345678, vm.ram().getInt(0xC000_0000L + (200L << 20)));
        assertEquals(0x0BADF00D, vm.ram().getInt(0x8000_0000L));
        assertTrue(phys.contains(0x1_0000_0000L, 4096));
        assertTrue(!phys.contains(0xD000_0000L, 4));
        assertTrue(!phys.contains(0x1_0000_0000L + (512L << 20) - 4, 8));
        DirtyPageSet dirty = vm.fetchAndClearDirtyPages();
        assertTrue(dirty.contains((0xC000_0000L + (200L << 20)) / 4096));
        assertTrue(dirty.contains(0x8000_0000L / 4096));
        assertEquals("paused guest: only the two device pages", 2, dirty.count());
        vm.resume();
    }
}
