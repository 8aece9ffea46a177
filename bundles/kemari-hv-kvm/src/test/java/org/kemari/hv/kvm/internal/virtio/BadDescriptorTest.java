package org.kemari.hv.kvm.internal.virtio;

import static org.junit.Assert.*;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.kemari.hv.kvm.internal.virtio.FakeVirtioDriver.Buf;

/**
 * A driver that hands over garbage: the device sets DEVICE_NEEDS_RESET, no exception reaches the
 * vCPU loop (the MMIO call returns normally), nothing is written outside RAM or to the disk, and a
 * reset brings the device back.
 */
public class BadDescriptorTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private BlkTestRig rig;
    private FakeVirtioDriver driver;

    @Before
    public void setUp() throws Exception {
        rig = new BlkTestRig(tmp.getRoot().toPath(), 1 << 20, false);
        driver = rig.driver;
        driver.start(1, 16);
    }

    @After
    public void tearDown() {
        assertTrue("accessed memory outside RAM: " + rig.memory.outOfRange, rig.memory.outOfRange.isEmpty());
        assertTrue("no output for a bad request", rig.router.submitted.isEmpty());
        // The device recovers after a reset.
        driver.start(1, 16);
        rig.read(0, 0, 512);
        assertEquals(VirtioBlkDevice.S_OK, rig.statusOf(0));
        rig.close();
    }

    @Test
    public void dataBufferOutsideRam() {
        rig.putHeader(0, VirtioBlkDevice.T_OUT, 0);
        driver.post(0, Buf.readable(BlkTestRig.header(0), 16), Buf.readable(BlkTestRig.RAM - 256, 512),
                Buf.writable(BlkTestRig.status(0), 1));
        driver.notify(0);
        assertBroken("outside guest RAM");
    }

    @Test
    public void readIntoTheMmioHole() {
        rig.putHeader(0, VirtioBlkDevice.T_IN, 0);
        driver.post(0, Buf.readable(BlkTestRig.header(0), 16), Buf.writable(0xFE000000L, 512),
                Buf.writable(BlkTestRig.status(0), 1));
        driver.notify(0);
        assertBroken("outside guest RAM");
    }

    @Test
    public void addressWrapsAround() {
        rig.putHeader(0, VirtioBlkDevice.T_IN, 0);
        driver.post(0, Buf.readable(BlkTestRig.header(0), 16), Buf.writable(-16L, 512),
                Buf.writable(BlkTestRig.status(0), 1));
        driver.notify(0);
        assertBroken("outside guest RAM");
    }

    @Test
    public void statusByteOutsideRam() {
        rig.putHeader(0, VirtioBlkDevice.T_IN, 0);
        driver.post(0, Buf.readable(BlkTestRig.header(0), 16), Buf.writable(BlkTestRig.data(0), 512),
                Buf.writable(BlkTestRig.RAM, 1));
        driver.notify(0);
        assertBroken("outside guest RAM");
    }

    @Test
    public void headIndexOutOfRange() {
        driver.makeAvailable(0, 99);
        driver.notify(0);
        assertBroken("out of range");
    }

    @Test
    public void nextIndexOutOfRange() {
        driver.writeDescriptor(0, 0, BlkTestRig.header(0), 16, FakeVirtioDriver.NEXT, 4000);
        driver.makeAvailable(0, 0);
        driver.notify(0);
        assertBroken("out of range");
    }

    @Test
    public void descriptorLoop() {
        rig.putHeader(0, VirtioBlkDevice.T_IN, 0);
        driver.writeDescriptor(0, 0, BlkTestRig.header(0), 16, FakeVirtioDriver.NEXT, 1);
        driver.writeDescriptor(0, 1, BlkTestRig.data(0), 512, FakeVirtioDriver.NEXT, 0);
        driver.makeAvailable(0, 0);
        driver.notify(0);
        assertBroken("loop");
    }

    @Test
    public void indirectDescriptorsAreRejected() {
        driver.writeDescriptor(0, 0, BlkTestRig.data(0), 48, FakeVirtioDriver.INDIRECT, 0);
        driver.makeAvailable(0, 0);
        driver.notify(0);
        assertBroken("indirect");
    }

    @Test
    public void availableIndexRunsAhead() {
        driver.setAvailIdx(0, 40);
        driver.notify(0);
        assertBroken("ahead");
    }

    @Test
    public void readableAfterWritable() {
        rig.putHeader(0, VirtioBlkDevice.T_IN, 0);
        driver.post(0, Buf.writable(BlkTestRig.data(0), 512), Buf.readable(BlkTestRig.header(0), 16));
        driver.notify(0);
        assertBroken("readable after");
    }

    @Test
    public void missingStatusByte() {
        rig.putHeader(0, VirtioBlkDevice.T_OUT, 0);
        driver.post(0, Buf.readable(BlkTestRig.header(0), 16), Buf.readable(BlkTestRig.data(0), 512));
        driver.notify(0);
        assertBroken("status byte");
    }

    @Test
    public void shortHeader() {
        driver.post(0, Buf.readable(BlkTestRig.header(0), 8), Buf.writable(BlkTestRig.status(0), 1));
        driver.notify(0);
        assertBroken("header");
    }

    @Test
    public void brokenDeviceIgnoresFurtherNotifies() {
        driver.makeAvailable(0, 99);
        driver.notify(0);
        long writes = rig.memory.writes;
        rig.read(1, 0, 512);
        assertEquals("no DMA while broken", writes, rig.memory.writes);
        assertBroken("out of range");
    }

    private void assertBroken(String reason) {
        assertTrue("DEVICE_NEEDS_RESET expected", (driver.status() & VirtioStatus.DEVICE_NEEDS_RESET) != 0);
        assertNotNull(rig.device.lastError());
        assertTrue(rig.device.lastError(), rig.device.lastError().contains(reason));
        assertEquals("nothing used", 0, driver.usedIdx(0));
    }
}
