package org.kemari.hv.kvm.internal.virtio;

import static org.junit.Assert.*;

import java.util.Arrays;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.StateRecord;

/**
 * Saved state of virtio-blk: a write in flight on the primary (held by the gate) is re-issued by
 * a device restored on the standby, once that device is unquiesced (the VM resumes).
 */
public class BlkSaveRestoreTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private BlkTestRig primary;
    private BlkTestRig standby;

    @Before
    public void setUp() throws Exception {
        primary = new BlkTestRig(tmp.getRoot().toPath(), 1 << 20, false);
        primary.driver.start(1, 64);
        standby = new BlkTestRig(primary.image, false);
    }

    @After
    public void tearDown() {
        primary.close();
        standby.close();
    }

    @Test
    public void inFlightWriteIsReissuedAfterRestore() throws Exception {
        primary.write(0, 0, BlkTestRig.pattern(512, 1)); // completes at once
        primary.router.hold = true;
        byte[] block = BlkTestRig.pattern(4096, 5);
        int head = primary.write(1, 16, block);
        assertEquals(1, primary.driver.usedIdx(0));

        // Capture as the VM core does: quiesce, copy memory, save; then the primary dies (discard).
        primary.device.quiesce();
        StateRecord saved = primary.device.save();
        byte[] ram = primary.memory.get(0, BlkTestRig.RAM);
        primary.router.discardAll();
        assertEquals(VirtioBlkState.KIND, saved.kind());
        assertEquals("vda", saved.instance());
        assertEquals(VirtioBlkState.VERSION, saved.version());
        assertEquals(Arrays.asList(head), VirtioBlkState.fromRecord(saved).inFlightHeads());

        standby.memory.put(0, ram);
        standby.device.restore(saved);
        assertTrue("nothing re-issued before the VM resumes", standby.router.submitted.isEmpty());
        assertEquals("restored state saves the same in-flight write",
                Arrays.asList(head), VirtioBlkState.fromRecord(standby.device.save()).inFlightHeads());

        standby.device.unquiesce();
        FakeVirtioDriver view = new FakeVirtioDriver(standby.device, standby.memory);
        view.setupQueueBookkeeping(0, 64, 2);
        assertEquals(1, standby.router.submitted.size());
        assertEquals(4096, standby.router.submitted.get(0).size());
        assertArrayEquals(block, standby.fileBytes(16 * 512, 4096));
        assertEquals(2, view.usedIdx(0));
        assertEquals(head, view.usedId(0, 1));
        assertEquals(VirtioBlkDevice.S_OK, standby.statusOf(1));
        assertEquals("the late completion wakes the guest", 1, standby.events.signals.get());
    }

    @Test
    public void restoredQueueKeepsWorking() throws Exception {
        primary.write(0, 0, BlkTestRig.pattern(512, 1));
        StateRecord saved = primary.device.save();
        standby.memory.put(0, primary.memory.get(0, BlkTestRig.RAM));
        standby.device.restore(saved);
        standby.device.unquiesce();
        // Drive the standby's queue with the primary's driver bookkeeping: same memory layout.
        FakeVirtioDriver continued = new FakeVirtioDriver(standby.device, standby.memory);
        continued.setupQueueBookkeeping(0, 64, 1);
        int head = continued.post(0, FakeVirtioDriver.Buf.readable(BlkTestRig.header(0), 16),
                FakeVirtioDriver.Buf.writable(BlkTestRig.data(0), 512), FakeVirtioDriver.Buf.writable(BlkTestRig.status(0), 1));
        standby.putHeader(0, VirtioBlkDevice.T_IN, 0);
        continued.notify(0);
        assertEquals(2, continued.usedIdx(0));
        assertEquals(head, continued.usedId(0, 1));
        assertArrayEquals(BlkTestRig.pattern(512, 1), standby.dataOf(0, 512));
    }

    @Test
    public void stateRoundTripsExactly() throws Exception {
        primary.router.hold = true;
        primary.write(0, 0, BlkTestRig.pattern(512, 1));
        primary.write(1, 1, BlkTestRig.pattern(512, 2));
        VirtioBlkState s = VirtioBlkState.fromRecord(primary.device.save());
        assertEquals(2, s.inFlightHeads().size());
        VirtioMmioState t = s.transport();
        assertEquals(2, t.deviceType());
        assertEquals(VirtioFeatures.VERSION_1, t.driverFeatures());
        assertEquals(new VirtqueueState(64, true, 0x10000, 0x11000, 0x12000, 2, 0), t.queues().get(0));
        assertEquals(s, VirtioBlkState.fromRecord(s.toRecord("vda")));
    }

    @Test
    public void refusesOtherKinds() {
        StateRecord net = new StateRecord(VirtioNetState.KIND, "vda", 1, primary.device.save().payload());
        assertBadState(net, "kind");
    }

    @Test
    public void refusesOtherVersions() {
        StateRecord saved = primary.device.save();
        assertBadState(new StateRecord(saved.kind(), saved.instance(), 2, saved.payload()), "version");
    }

    @Test
    public void refusesDamagedPayload() {
        StateRecord saved = primary.device.save();
        byte[] payload = saved.payload().clone();
        payload[10] ^= 1;
        assertBadState(new StateRecord(saved.kind(), saved.instance(), saved.version(), payload), "checksum");
        assertBadState(new StateRecord(saved.kind(), saved.instance(), saved.version(), new byte[2]), "truncated");
    }

    @Test
    public void refusesAnotherDeviceType() throws Exception {
        StateWriter w = new StateWriter();
        VirtioMmioState netTransport = new VirtioMmioState(1, 0, 0, 0, 0, 0, 0,
                java.util.List.of(new VirtqueueState(0, false, 0, 0, 0, 0, 0)));
        netTransport.writeTo(w);
        w.writeInt(0);
        assertBadState(new StateRecord(VirtioBlkState.KIND, "vda", 1, w.finish()), "device type");
    }

    private void assertBadState(StateRecord record, String reason) {
        HypervisorException e = assertThrows(HypervisorException.class, () -> standby.device.restore(record));
        assertEquals(HypervisorException.Reason.BAD_STATE, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains(reason));
    }
}
