package org.kemari.hv.kvm.internal.virtio;

import static org.junit.Assert.*;

import java.nio.charset.StandardCharsets;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.kemari.api.io.OutputKind;
import org.kemari.api.io.PendingOutput;
import org.kemari.hv.kvm.internal.virtio.FakeVirtioDriver.Buf;

/** virtio-blk requests against an image file, with writes as outputs. */
public class VirtioBlkDeviceTest {
    private static final int DISK = 1 << 20;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private BlkTestRig rig;

    @Before
    public void setUp() throws Exception {
        rig = new BlkTestRig(tmp.getRoot().toPath(), DISK, false);
        rig.driver.start(1, 64);
    }

    @After
    public void tearDown() {
        rig.close();
        assertTrue("device accessed memory outside RAM: " + rig.memory.outOfRange, rig.memory.outOfRange.isEmpty());
    }

    @Test
    public void writeReadFlushRoundTrip() throws Exception {
        byte[] block = BlkTestRig.pattern(4096, 7);
        int head = rig.write(0, 8, block);
        assertEquals("completed synchronously on notify", 1, rig.driver.usedIdx(0));
        assertEquals(head, rig.driver.usedId(0, 0));
        assertEquals(1, rig.driver.usedLen(0, 0));
        assertEquals(VirtioBlkDevice.S_OK, rig.statusOf(0));
        assertArrayEquals(block, rig.fileBytes(8 * 512, 4096));

        rig.read(1, 8, 4096);
        assertEquals(2, rig.driver.usedIdx(0));
        assertEquals(4097, rig.driver.usedLen(0, 1));
        assertEquals(VirtioBlkDevice.S_OK, rig.statusOf(1));
        assertArrayEquals(block, rig.dataOf(1, 4096));

        rig.request(2, VirtioBlkDevice.T_FLUSH);
        assertEquals(3, rig.driver.usedIdx(0));
        assertEquals(VirtioBlkDevice.S_OK, rig.statusOf(2));

        PendingOutput out = rig.router.submitted.get(0);
        assertEquals(OutputKind.DISK_WRITE, out.kind());
        assertEquals("vda", out.deviceId());
        assertEquals(4096, out.size());
        assertEquals("only the write is an output", 1, rig.router.submitted.size());
        assertEquals("synchronous completions need no wake-up", 0, rig.events.signals.get());
    }

    @Test
    public void dataAndHeaderMaySpanSeveralDescriptors() throws Exception {
        byte[] block = BlkTestRig.pattern(1024, 3);
        rig.putHeader(0, VirtioBlkDevice.T_OUT, 2);
        long h = BlkTestRig.header(0);
        rig.memory.put(BlkTestRig.data(0), block);
        rig.driver.post(0, Buf.readable(h, 4), Buf.readable(h + 4, 12), Buf.readable(BlkTestRig.data(0), 512),
                Buf.readable(BlkTestRig.data(0) + 512, 512), Buf.writable(BlkTestRig.status(0), 1));
        rig.driver.notify(0);
        assertEquals(VirtioBlkDevice.S_OK, rig.statusOf(0));
        assertArrayEquals(block, rig.fileBytes(1024, 1024));
    }

    @Test
    public void getIdReturnsTheDiskId() {
        rig.putHeader(0, VirtioBlkDevice.T_GET_ID, 0);
        rig.driver.post(0, Buf.readable(BlkTestRig.header(0), 16), Buf.writable(BlkTestRig.data(0), 20),
                Buf.writable(BlkTestRig.status(0), 1));
        rig.driver.notify(0);
        assertEquals(VirtioBlkDevice.S_OK, rig.statusOf(0));
        assertEquals("vda", new String(rig.dataOf(0, 3), StandardCharsets.US_ASCII));
        assertEquals(0, rig.dataOf(0, 20)[3]);
        assertEquals(21, rig.driver.usedLen(0, 0));
    }

    @Test
    public void unknownTypeIsUnsupported() {
        rig.request(0, 11);
        assertEquals(VirtioBlkDevice.S_UNSUPP, rig.statusOf(0));
    }

    @Test
    public void requestsBeyondCapacityFail() {
        rig.read(0, DISK / 512 - 1, 1024);
        assertEquals(VirtioBlkDevice.S_IOERR, rig.statusOf(0));
        rig.write(1, DISK / 512, new byte[512]);
        assertEquals(VirtioBlkDevice.S_IOERR, rig.statusOf(1));
        rig.write(2, Long.MAX_VALUE / 256, new byte[512]);
        assertEquals(VirtioBlkDevice.S_IOERR, rig.statusOf(2));
        rig.write(3, 0, new byte[100]);
        assertEquals("not a whole sector", VirtioBlkDevice.S_IOERR, rig.statusOf(3));
        assertTrue(rig.router.submitted.isEmpty());
        assertEquals(4, rig.driver.usedIdx(0));
    }

    @Test
    public void writeIsHeldUntilReleased() throws Exception {
        rig.router.hold = true;
        byte[] block = BlkTestRig.pattern(4096, 9);
        rig.write(0, 0, block);
        assertEquals("not completed while held", 0, rig.driver.usedIdx(0));
        assertEquals(0xff, rig.statusOf(0));
        assertArrayEquals("not on disk while held", new byte[4096], rig.fileBytes(0, 4096));

        rig.router.releaseAll();
        assertEquals(1, rig.driver.usedIdx(0));
        assertEquals(VirtioBlkDevice.S_OK, rig.statusOf(0));
        assertArrayEquals(block, rig.fileBytes(0, 4096));
        assertEquals("a late completion wakes the guest", 1, rig.events.signals.get());
    }

    @Test
    public void heldWriteCarriesTheDataAsSubmitted() throws Exception {
        rig.router.hold = true;
        byte[] block = BlkTestRig.pattern(512, 1);
        rig.write(0, 0, block);
        rig.memory.put(BlkTestRig.data(0), new byte[512]); // a misbehaving guest scribbles on it
        rig.router.releaseAll();
        assertArrayEquals(block, rig.fileBytes(0, 512));
    }

    @Test
    public void discardedWriteStaysPending() throws Exception {
        rig.router.hold = true;
        rig.write(0, 0, BlkTestRig.pattern(512, 1));
        rig.router.discardAll();
        assertEquals(0, rig.driver.usedIdx(0));
        assertEquals(0xff, rig.statusOf(0));
        assertArrayEquals(new byte[512], rig.fileBytes(0, 512));
        assertEquals(1, VirtioBlkState.fromRecord(rig.device.save()).inFlightHeads().size());
    }

    @Test
    public void outputIsReleasedOnlyOnce() throws Exception {
        rig.router.hold = true;
        rig.write(0, 0, BlkTestRig.pattern(512, 1));
        PendingOutput out = rig.router.held.get(0);
        out.release();
        assertThrows(IllegalStateException.class, out::release);
        assertThrows(IllegalStateException.class, out::discard);
        assertEquals(1, rig.driver.usedIdx(0));
    }

    @Test
    public void releaseAfterResetCompletesNothing() throws Exception {
        rig.router.hold = true;
        rig.write(0, 0, BlkTestRig.pattern(512, 1));
        rig.driver.reg(VirtioMmioRegisters.STATUS, 0);
        long writesBefore = rig.memory.writes;
        rig.router.releaseAll();
        assertEquals("the data still reaches the disk", BlkTestRig.pattern(512, 1)[5], rig.fileBytes(0, 512)[5]);
        assertEquals("no guest memory touched", writesBefore, rig.memory.writes);
    }

    @Test
    public void releaseWhileQuiescedCompletesOnUnquiesce() throws Exception {
        rig.router.hold = true;
        rig.write(0, 0, BlkTestRig.pattern(512, 1));
        rig.device.quiesce();
        long writesBefore = rig.memory.writes;
        rig.router.releaseAll();
        assertEquals("no guest memory writes while quiesced", writesBefore, rig.memory.writes);
        assertEquals(0, rig.driver.usedIdx(0));
        assertEquals("still in flight in saved state", 1, VirtioBlkState.fromRecord(rig.device.save()).inFlightHeads().size());
        rig.device.unquiesce();
        assertEquals(1, rig.driver.usedIdx(0));
        assertEquals(VirtioBlkDevice.S_OK, rig.statusOf(0));
        assertTrue(VirtioBlkState.fromRecord(rig.device.save()).inFlightHeads().isEmpty());
        assertEquals(1, rig.events.signals.get());
    }

    @Test
    public void severalWritesInFlightCompleteInReleaseOrder() throws Exception {
        rig.router.hold = true;
        int h0 = rig.write(0, 0, BlkTestRig.pattern(512, 1));
        int h1 = rig.write(1, 1, BlkTestRig.pattern(512, 2));
        assertEquals(2, VirtioBlkState.fromRecord(rig.device.save()).inFlightHeads().size());
        rig.router.held.get(1).release();
        assertEquals(1, rig.driver.usedIdx(0));
        assertEquals(h1, rig.driver.usedId(0, 0));
        rig.router.held.get(0).release();
        assertEquals(h0, rig.driver.usedId(0, 1));
    }
}
