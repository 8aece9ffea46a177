package org.kemari.io.net.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.After;
import org.junit.Test;
import org.kemari.api.io.CheckpointContext;
import org.kemari.api.io.CheckpointDeviceException;

public class KernelNetCheckpointDeviceTest {
    private final FakeFrameHold vif = new FakeFrameHold("vif7.0");
    private final AtomicInteger requests = new AtomicInteger();
    private final KernelNetCheckpointDevice device = new KernelNetCheckpointDevice("vm1", List.of(vif), context());

    private CheckpointContext context() {
        return (CheckpointContext) Proxy.newProxyInstance(CheckpointContext.class.getClassLoader(),
                new Class<?>[] {CheckpointContext.class}, (p, m, a) -> {
                    if (m.getName().equals("requestCheckpoint")) {
                        requests.incrementAndGet();
                    }
                    return null;
                });
    }

    @After
    public void stop() {
        device.teardown(false);
    }

    @Test
    public void framesLeaveWhenTheirEpochIsCommitted() throws Exception {
        vif.send(0);
        vif.send(0);
        device.afterSuspend(0);
        vif.send(1);
        assertEquals(List.of(), vif.released);
        device.commit(0);
        assertEquals(List.of(0L, 0L), vif.released);
        device.afterSuspend(1);
        device.commit(1);
        assertEquals(List.of(0L, 0L, 1L), vif.released);
    }

    @Test
    public void withEpochsInFlightFramesGoOutLateButNeverEarly() throws Exception {
        vif.send(0);
        device.afterSuspend(0);
        vif.send(1);
        device.afterSuspend(1); // epoch 0's buffer still waits: epoch 1's frames stay in the open buffer
        vif.send(2);
        device.commit(0);
        assertEquals(List.of(0L), vif.released);
        device.commit(1); // its frames share a buffer with epoch 2's: not yet
        assertEquals(List.of(0L), vif.released);
        device.afterSuspend(2);
        device.commit(2);
        assertEquals(List.of(0L, 1L, 2L), vif.released);
        assertEquals(2, vif.closeBufferCalls);
    }

    @Test
    public void waitingFramesAskForACheckpointOnlyWhenNew() throws Exception {
        assertEquals(false, device.newFramesWaiting());
        vif.send(0);
        assertTrue(device.newFramesWaiting());
        long deadline = System.currentTimeMillis() + 5000;
        while (requests.get() == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        assertTrue("the poller asked for a checkpoint", requests.get() > 0);
        device.afterSuspend(0);
        assertEquals("frames already in a closed buffer are not new output", false, device.newFramesWaiting());
        vif.send(1);
        assertTrue(device.newFramesWaiting());
    }

    @Test
    public void teardownReleasesOrDrops() throws Exception {
        vif.send(0);
        device.afterSuspend(0);
        vif.send(1);
        device.teardown(true);
        assertEquals(List.of(0L, 1L), vif.released);
        assertTrue(vif.closedWithRelease);

        FakeFrameHold other = new FakeFrameHold("vif8.0");
        KernelNetCheckpointDevice gone = new KernelNetCheckpointDevice("vm2", List.of(other), context());
        other.send(0);
        gone.teardown(false);
        assertEquals(List.of(0L), other.dropped);
        assertEquals(List.of(), other.released);
    }

    @Test
    public void aFailedReleaseNamesTheInterface() throws Exception {
        vif.send(0);
        device.afterSuspend(0);
        vif.failNext = new IOException("No such device");
        CheckpointDeviceException e = assertThrows(CheckpointDeviceException.class, () -> device.commit(0));
        assertEquals(CheckpointDeviceException.Reason.RELEASE_FAILED, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("vif7.0: No such device"));
    }

    @Test
    public void aFailedMarkIsACheckpointDeviceError() {
        vif.failNext = new IOException("No such device");
        CheckpointDeviceException e = assertThrows(CheckpointDeviceException.class, () -> device.afterSuspend(0));
        assertTrue(e.getMessage(), e.getMessage().contains("cannot mark epoch 0"));
    }
}
