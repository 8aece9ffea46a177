package org.kemari.hv.kvm.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.DirtyPageSet;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmListener;
import org.kemari.api.hv.VmState;

/** Boots the C test guest with the DIRTIER workload and checks its pages and the dirty log. */
public class TestGuestDirtierTest {
    private static final int DIRTY_PAGES = 8;
    private static final int REGION_PAGES = 64;
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
    public void dirtierWritesPagesAsTheAbiSaysAndTheDirtyLogHasThem() throws Exception {
        List<String> console = new CopyOnWriteArrayList<>();
        int rounds = 20;
        vm = (KvmVm) new KvmBackend().create(KvmTestSupport.testGuest("dirtier", 64 << 20, Map.of(
                GuestOptions.WORKLOADS, "dirtier",
                GuestOptions.DIRTY_PAGES, Integer.toString(DIRTY_PAGES),
                GuestOptions.DIRTY_REGION_PAGES, Integer.toString(REGION_PAGES),
                GuestOptions.MAX_ROUNDS, Integer.toString(rounds),
                GuestOptions.PACE_US, "1000")));
        vm.addListener(new VmListener() {
            @Override
            public void consoleLine(Vm v, String line) {
                console.add(line);
            }
        });
        // Tracking starts with the first fetch: pause around it to know which rounds came after it.
        vm.pause();
        long roundsBeforeTracking = vm.ram().getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_DIRTY_ITERATIONS);
        DirtyPageSet first = vm.fetchAndClearDirtyPages();
        vm.resume();
        assertEquals("the first fetch returns every page", vm.memory().pageCount(), first.count());
        assertTrue("guest did not finish", KvmTestSupport.await(() -> vm.state().isTerminal(), 60, TimeUnit.SECONDS));
        assertEquals(vm.failureReason().orElse(""), VmState.STOPPED, vm.state());

        GuestRam ram = vm.ram();
        long region = ram.getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_DIRTY_REGION_ADDR);
        assertTrue("dirty region address " + region, region > GuestAbi.IMAGE_BASE && region % (2 << 20) == 0);
        assertEquals(rounds, ram.getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_DIRTY_ITERATIONS));
        // Each page holds the last round r that wrote it: r at offset 0, r ^ page at 8.
        for (int page = 0; page < REGION_PAGES; page++) {
            long lastRound = lastRoundWriting(page, rounds);
            long at = region + (long) page * 4096;
            assertEquals("page " + page, lastRound, ram.getLong(at));
            assertEquals("page " + page, lastRound ^ page, ram.getLong(at + 8));
        }
        DirtyPageSet dirty = vm.fetchAndClearDirtyPages();
        for (int page = 0; page < REGION_PAGES; page++) {
            if (lastRoundWriting(page, rounds) >= roundsBeforeTracking) {
                assertTrue("region page " + page + " missing from the dirty log", dirty.contains(region / 4096 + page));
            }
        }
        assertTrue("status area page is dirty", dirty.contains(GuestAbi.BOOT_INFO / 4096));
        assertTrue("console: " + console, console.stream().anyMatch(l -> l.contains("dirtier")));
        assertEquals("nothing is dirty after a clear of a stopped guest", 0, vm.fetchAndClearDirtyPages().count());
    }

    /** The last round (of {@code rounds}) whose writes reach region page {@code page}, or -1. */
    private static long lastRoundWriting(int page, int rounds) {
        long lastRound = -1;
        for (long r = 0; r < rounds; r++) {
            for (int k = 0; k < DIRTY_PAGES; k++) {
                if ((r * DIRTY_PAGES + k) % REGION_PAGES == page) {
                    lastRound = r;
                }
            }
        }
        return lastRound;
    }
}
