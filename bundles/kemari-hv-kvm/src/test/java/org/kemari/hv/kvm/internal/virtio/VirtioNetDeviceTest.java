package org.kemari.hv.kvm.internal.virtio;

import static org.junit.Assert.*;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.StateRecord;
import org.kemari.api.io.OutputKind;
import org.kemari.hv.kvm.internal.virtio.FakeVirtioDriver.Buf;

/** virtio-net over an in-process pair: transmit as outputs, receive into posted buffers, quiesce. */
public class VirtioNetDeviceTest {
    private NetTestRig rig;

    @Before
    public void setUp() {
        rig = new NetTestRig();
    }

    @After
    public void tearDown() {
        rig.close();
        assertTrue("accessed memory outside RAM: " + rig.memory.outOfRange, rig.memory.outOfRange.isEmpty());
    }

    @Test
    public void identifiesAsVirtioNetWithMac() {
        assertEquals(1, rig.driver.reg(VirtioMmioRegisters.DEVICE_ID));
        assertEquals(VirtioFeatures.VERSION_1 | VirtioFeatures.NET_MAC, rig.driver.deviceFeatures());
        for (int i = 0; i < 6; i++) {
            assertEquals(NetTestRig.MAC[i] & 0xff, rig.device.read(VirtioMmioRegisters.CONFIG + i, 1));
        }
        rig.driver.reg(VirtioMmioRegisters.QUEUE_SEL, 1);
        assertEquals(VirtioNetDevice.QUEUE_MAX_SIZE, rig.driver.reg(VirtioMmioRegisters.QUEUE_NUM_MAX));
        rig.driver.reg(VirtioMmioRegisters.QUEUE_SEL, 2);
        assertEquals(0, rig.driver.reg(VirtioMmioRegisters.QUEUE_NUM_MAX));
    }

    @Test
    public void transmitSendsTheFrameWithoutHeader() {
        rig.start();
        byte[] frame = NetTestRig.frame(60, 1);
        rig.transmit(frame);
        assertEquals(1, rig.sent.size());
        assertArrayEquals(frame, rig.sent.get(0));
        assertEquals(1, rig.driver.usedIdx(VirtioNetDevice.TX_QUEUE));
        assertEquals(0, rig.driver.usedLen(VirtioNetDevice.TX_QUEUE, 0));
        assertEquals(OutputKind.NET_FRAME, rig.router.submitted.get(0).kind());
        assertEquals("net0", rig.router.submitted.get(0).deviceId());
        assertEquals(60, rig.router.submitted.get(0).size());
    }

    @Test
    public void heldFrameLeavesOnlyOnReleaseButItsBufferReturnsAtOnce() throws Exception {
        rig.start();
        rig.router.hold = true;
        byte[] frame = NetTestRig.frame(100, 2);
        rig.transmit(frame);
        assertEquals("buffer returned at once", 1, rig.driver.usedIdx(VirtioNetDevice.TX_QUEUE));
        rig.memory.put(NetTestRig.txBuffer(0), new byte[112]); // the guest reuses its buffer
        assertTrue("not sent while held", rig.sent.isEmpty());
        rig.router.releaseAll();
        assertArrayEquals("the frame as transmitted", frame, rig.sent.get(0));
    }

    @Test
    public void discardedFrameIsNeverSent() {
        rig.start();
        rig.router.hold = true;
        rig.transmit(NetTestRig.frame(60, 3));
        rig.router.discardAll();
        assertTrue(rig.sent.isEmpty());
    }

    @Test
    public void transmitSpanningDescriptors() {
        rig.start();
        byte[] frame = NetTestRig.frame(200, 4);
        rig.memory.put(NetTestRig.txBuffer(0), new byte[12]);
        rig.memory.put(NetTestRig.txBuffer(1), frame);
        rig.driver.post(VirtioNetDevice.TX_QUEUE, Buf.readable(NetTestRig.txBuffer(0), 12),
                Buf.readable(NetTestRig.txBuffer(1), 200));
        rig.driver.notify(VirtioNetDevice.TX_QUEUE);
        assertArrayEquals(frame, rig.sent.get(0));
    }

    @Test
    public void shortTransmitBufferIsDroppedAndCounted() {
        rig.start();
        rig.driver.post(VirtioNetDevice.TX_QUEUE, Buf.readable(NetTestRig.txBuffer(0), 8));
        rig.driver.notify(VirtioNetDevice.TX_QUEUE);
        assertTrue(rig.sent.isEmpty());
        assertEquals(1, rig.driver.usedIdx(VirtioNetDevice.TX_QUEUE));
        assertEquals(1, rig.device.counters().txDropped);
    }

    @Test
    public void receivedFrameLandsInAPostedBuffer() throws Exception {
        rig.start();
        rig.postRx(0, 4);
        rig.driver.notify(VirtioNetDevice.RX_QUEUE);
        byte[] frame = NetTestRig.frame(98, 5);
        rig.pair.b().send(frame);
        assertEquals(1, rig.rxUsed());
        assertEquals(12 + 98, rig.driver.usedLen(VirtioNetDevice.RX_QUEUE, 0));
        assertArrayEquals(frame, rig.received(0));
        assertEquals("the guest is woken", 1, rig.events.signals.get());
        assertEquals(1, rig.device.counters().rxFrames);
    }

    @Test
    public void framesWaitForBuffersAndArriveInOrder() throws Exception {
        rig.start();
        for (byte[] f : NetTestRig.frames(3, 64)) {
            rig.pair.b().send(f);
        }
        assertEquals(0, rig.rxUsed());
        rig.postRx(0, 2);
        rig.driver.notify(VirtioNetDevice.RX_QUEUE);
        assertEquals(2, rig.rxUsed());
        rig.postRx(2, 2);
        rig.driver.notify(VirtioNetDevice.RX_QUEUE);
        assertEquals(3, rig.rxUsed());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(NetTestRig.frame(64, i), rig.received(i));
        }
        assertEquals("deliveries on the guest's own notify need no wake-up", 0, rig.events.signals.get());
    }

    @Test
    public void framesBeforeDriverOkWaitForTheDriver() throws Exception {
        rig.pair.b().send(NetTestRig.frame(60, 8)); // before the driver's reset: dropped by it
        assertTrue(rig.driver.negotiate(VirtioFeatures.VERSION_1));
        rig.pair.b().send(NetTestRig.frame(60, 9));
        rig.driver.setupQueue(0, 16);
        rig.driver.setupQueue(1, 16);
        rig.postRx(0, 4);
        rig.driver.driverOk();
        rig.driver.notify(VirtioNetDevice.RX_QUEUE);
        assertEquals(1, rig.rxUsed());
        assertArrayEquals(NetTestRig.frame(60, 9), rig.received(0));
    }

    @Test
    public void guestNeedNotNotifyReceiveBuffersUnlessFramesWait() throws Exception {
        rig.start();
        rig.postRx(0, 1);
        rig.driver.notify(VirtioNetDevice.RX_QUEUE);
        assertEquals("NO_NOTIFY: the device polls on arrival", 1, rig.driver.usedFlags(VirtioNetDevice.RX_QUEUE));
        rig.pair.b().send(NetTestRig.frame(60, 1));
        rig.pair.b().send(NetTestRig.frame(60, 2));
        assertEquals(1, rig.rxUsed());
        assertEquals("a frame waits: notify wanted", 0, rig.driver.usedFlags(VirtioNetDevice.RX_QUEUE));
        rig.postRx(1, 1);
        rig.driver.notify(VirtioNetDevice.RX_QUEUE);
        assertEquals(2, rig.rxUsed());
        assertEquals(1, rig.driver.usedFlags(VirtioNetDevice.RX_QUEUE));
        rig.postRx(2, 1); // reposted without notify, as the guest does under NO_NOTIFY
        rig.pair.b().send(NetTestRig.frame(60, 3));
        assertEquals(3, rig.rxUsed());
        assertArrayEquals(NetTestRig.frame(60, 3), rig.received(2));
    }

    @Test
    public void backlogIsBoundedAndDropsAreCounted() throws Exception {
        rig.start();
        int extra = 10;
        for (int i = 0; i < VirtioNetDevice.BACKLOG_LIMIT + extra; i++) {
            rig.pair.b().send(NetTestRig.frame(60, i));
        }
        assertEquals(extra, rig.device.counters().rxDropped);
        rig.postRx(0, 16);
        rig.driver.notify(VirtioNetDevice.RX_QUEUE);
        assertEquals(16, rig.rxUsed());
        assertArrayEquals("oldest first", NetTestRig.frame(60, 0), rig.received(0));
    }

    @Test
    public void frameLargerThanTheBufferIsDroppedAndTheBufferKept() throws Exception {
        rig.start();
        rig.postRx(0, 1);
        rig.driver.notify(VirtioNetDevice.RX_QUEUE);
        rig.pair.b().send(NetTestRig.frame(NetTestRig.BUFFER, 1)); // + 12-byte header does not fit
        assertEquals(0, rig.rxUsed());
        assertEquals(1, rig.device.counters().rxDropped);
        rig.pair.b().send(NetTestRig.frame(60, 2));
        assertEquals(1, rig.rxUsed());
        assertArrayEquals(NetTestRig.frame(60, 2), rig.received(0));
    }

    @Test
    public void noDeliveryWhileQuiescedThenDeliveredAfter() throws Exception {
        rig.start();
        rig.postRx(0, 4);
        rig.driver.notify(VirtioNetDevice.RX_QUEUE);
        rig.device.quiesce();
        long writes = rig.memory.writes;
        rig.pair.b().send(NetTestRig.frame(60, 1));
        rig.pair.b().send(NetTestRig.frame(60, 2));
        assertEquals("no guest memory writes while quiesced", writes, rig.memory.writes);
        assertEquals(0, rig.rxUsed());
        assertEquals(0, rig.events.signals.get());

        rig.device.unquiesce();
        assertEquals(2, rig.rxUsed());
        assertArrayEquals(NetTestRig.frame(60, 1), rig.received(0));
        assertArrayEquals(NetTestRig.frame(60, 2), rig.received(1));
        assertEquals(1, rig.events.signals.get());
    }

    @Test
    public void transmitStillWorksWhileQuiescedButReceiveWaits() throws Exception {
        // A vCPU-driven notify while quiesced (should not happen: the VM is paused) must not deliver frames.
        rig.start();
        rig.device.quiesce();
        rig.pair.b().send(NetTestRig.frame(60, 1));
        rig.postRx(0, 1);
        rig.driver.notify(VirtioNetDevice.RX_QUEUE);
        assertEquals(0, rig.rxUsed());
        rig.device.unquiesce();
        assertEquals(1, rig.rxUsed());
    }

    @Test
    public void saveAndRestore() throws Exception {
        rig.start();
        rig.postRx(0, 4);
        rig.driver.notify(VirtioNetDevice.RX_QUEUE);
        rig.pair.b().send(NetTestRig.frame(60, 1));
        rig.transmit(NetTestRig.frame(60, 2));
        rig.device.quiesce();
        StateRecord saved = rig.device.save();
        assertEquals(VirtioNetState.KIND, saved.kind());
        assertEquals("net0", saved.instance());
        VirtioMmioState t = VirtioNetState.fromRecord(saved).transport();
        assertEquals(new VirtqueueState(16, true, 0x10000, 0x11000, 0x12000, 1, 1), t.queues().get(0));
        assertEquals(new VirtqueueState(16, true, 0x14000, 0x15000, 0x16000, 1, 1), t.queues().get(1));

        try (NetTestRig standby = new NetTestRig()) {
            standby.memory.put(0, rig.memory.get(0, NetTestRig.RAM));
            standby.device.restore(saved);
            standby.pair.b().send(NetTestRig.frame(70, 3));
            long writes = standby.memory.writes;
            assertEquals("restored device is quiesced", writes, standby.memory.writes);
            standby.device.unquiesce();
            FakeVirtioDriver view = new FakeVirtioDriver(standby.device, standby.memory);
            view.setupQueueBookkeeping(0, 16, 4);
            assertEquals(2, view.usedIdx(VirtioNetDevice.RX_QUEUE));
            assertEquals(12 + 70, view.usedLen(VirtioNetDevice.RX_QUEUE, 1));
        }
    }

    @Test
    public void aRestoredNicAnnouncesItsMacOnItsNewHost() throws Exception {
        rig.start();
        rig.device.quiesce();
        StateRecord saved = rig.device.save();
        try (NetTestRig standby = new NetTestRig()) {
            standby.memory.put(0, rig.memory.get(0, NetTestRig.RAM));
            standby.device.restore(saved);
            assertTrue("nothing is announced before the VM runs", standby.sent.isEmpty());
            standby.device.unquiesce();
            long deadline = System.currentTimeMillis() + 5_000;
            int announcements = Announcement.DELAYS_MILLIS.length;
            while (standby.sent.size() < announcements && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(announcements, standby.sent.size());
            byte[] f = standby.sent.get(0);
            assertEquals(60, f.length);
            for (int i = 0; i < 6; i++) {
                assertEquals("broadcast", (byte) 0xff, f[i]);
                assertEquals("from the VM's MAC", NetTestRig.MAC[i], f[6 + i]);
                assertEquals("sender hardware address", NetTestRig.MAC[i], f[22 + i]);
            }
            assertEquals("RARP", 0x8035, ((f[12] & 0xff) << 8) | (f[13] & 0xff));
            assertEquals("reverse request", 3, ((f[20] & 0xff) << 8) | (f[21] & 0xff));
            standby.device.quiesce();
            standby.device.unquiesce();
            Thread.sleep(300);
            assertEquals("only a restore announces, not every resume", announcements, standby.sent.size());
        }
        rig.device.unquiesce();
        Thread.sleep(200);
        assertTrue("the original never announces", rig.sent.isEmpty());
    }
}
