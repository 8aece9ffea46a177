package org.kemari.hv.kvm.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmState;

/** Pause and close never hang, in every state, and leave no vCPU thread behind. */
public class LifecycleTest {

    @Before
    public void setUp() {
        KvmTestSupport.assumeKvm();
    }

    private static long vcpuThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("kemari-vcpu-life")).filter(Thread::isAlive).count();
    }

    @Test(timeout = 60_000)
    public void pauseAndCloseWorkWhileTheGuestWaitsForever() throws Exception {
        // No workload selected: the guest rings WAIT with no timeout and sits in it.
        Vm vm = new KvmBackend().create(KvmTestSupport.testGuest("life-wait", 8 << 20, Map.of(GuestOptions.WORKLOADS, "none")));
        try {
            Thread.sleep(100);
            long t0 = System.nanoTime();
            vm.pause();
            assertTrue("pause of a WAITing guest took too long", System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2));
            assertEquals(VmState.PAUSED, vm.state());
            vm.captureState();
            vm.resume();
            Thread.sleep(50);
        } finally {
            long t0 = System.nanoTime();
            vm.close();
            assertTrue("close took too long", System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
        }
        assertEquals(VmState.STOPPED, vm.state());
        assertTrue(KvmTestSupport.await(() -> vcpuThreads() == 0, 5, TimeUnit.SECONDS));
    }

    @Test(timeout = 60_000)
    public void closeInEveryStateReturnsAndIsIdempotent() throws Exception {
        KvmBackend backend = new KvmBackend();
        Map<String, String> busy = Map.of(GuestOptions.WORKLOADS, "dirtier");
        Vm running = backend.create(KvmTestSupport.testGuest("life-run", 32 << 20, busy));
        Thread.sleep(50);
        running.close();
        running.close();

        Vm paused = backend.create(KvmTestSupport.testGuest("life-paused", 32 << 20, busy));
        paused.pause();
        paused.close();

        Vm finished = backend.create(KvmTestSupport.testGuest("life-done", 32 << 20, Map.of(GuestOptions.MAX_ROUNDS, "3")));
        assertTrue(KvmTestSupport.await(() -> finished.state().isTerminal(), 30, TimeUnit.SECONDS));
        assertEquals(VmState.STOPPED, finished.state());
        try {
            finished.pause();
            fail("pause of a stopped VM must be refused");
        } catch (HypervisorException e) {
            assertEquals(HypervisorException.Reason.WRONG_STATE, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains("STOPPED"));
        }
        finished.close();
        try {
            running.fetchAndClearDirtyPages();
            fail("a closed VM has no dirty log");
        } catch (HypervisorException e) {
            assertEquals(HypervisorException.Reason.WRONG_STATE, e.reason());
        }
        assertTrue(KvmTestSupport.await(() -> vcpuThreads() == 0, 5, TimeUnit.SECONDS));
    }
}
