package org.kemari.hv.kvm.internal.virtio;

import static org.junit.Assert.*;
import static org.kemari.hv.kvm.internal.virtio.VirtioMmioRegisters.*;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The virtio-mmio register window: identification, feature negotiation, queue set-up, reset. */
public class VirtioMmioTransportTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private BlkTestRig rig;
    private FakeVirtioDriver driver;

    @Before
    public void setUp() throws Exception {
        rig = new BlkTestRig(tmp.getRoot().toPath(), 1 << 20, false);
        driver = rig.driver;
    }

    @After
    public void tearDown() {
        rig.close();
    }

    @Test
    public void identifiesAsModernVirtioBlk() {
        assertEquals(0x74726976, driver.reg(MAGIC_VALUE));
        assertEquals(2, driver.reg(VERSION));
        assertEquals(2, driver.reg(DEVICE_ID));
        assertEquals(KEMARI_VENDOR, driver.reg(VENDOR_ID));
        long features = driver.deviceFeatures();
        assertTrue("VERSION_1 offered", (features & VirtioFeatures.VERSION_1) != 0);
        assertTrue("FLUSH offered", (features & VirtioFeatures.BLK_FLUSH) != 0);
        assertEquals("not read-only", 0, features & VirtioFeatures.BLK_RO);
    }

    @Test
    public void configSpaceHoldsCapacityInSectors() {
        assertEquals(0, driver.reg(CONFIG_GENERATION));
        long capacity = (driver.reg(CONFIG) & 0xffffffffL) | ((long) driver.reg(CONFIG + 4) << 32);
        assertEquals((1 << 20) / 512, capacity);
        assertEquals((1 << 20) / 512, rig.device.read(CONFIG, 8));
        assertEquals(((1 << 20) / 512) & 0xff, rig.device.read(CONFIG, 1));
    }

    @Test
    public void acceptsVersion1() {
        assertTrue(driver.negotiate(VirtioFeatures.VERSION_1));
        assertTrue(driver.negotiate(VirtioFeatures.VERSION_1 | VirtioFeatures.BLK_FLUSH));
    }

    @Test
    public void refusesFeaturesOkWithoutVersion1() {
        assertFalse(driver.negotiate(0));
        assertFalse(driver.negotiate(VirtioFeatures.BLK_FLUSH));
    }

    @Test
    public void refusesFeaturesNotOffered() {
        assertFalse(driver.negotiate(VirtioFeatures.VERSION_1 | VirtioFeatures.RING_INDIRECT_DESC));
    }

    @Test
    public void ignoresFeatureWritesAfterFeaturesOk() {
        assertTrue(driver.negotiate(VirtioFeatures.VERSION_1));
        driver.reg(DRIVER_FEATURES_SEL, 0);
        driver.reg(DRIVER_FEATURES, 1 << 28);
        assertEquals(VirtioFeatures.VERSION_1, rig.device.transportState().driverFeatures());
    }

    @Test
    public void queueSetUpIsReadBack() {
        driver.start(1, 64);
        driver.reg(QUEUE_SEL, 0);
        assertEquals(VirtioBlkDevice.QUEUE_MAX_SIZE, driver.reg(QUEUE_NUM_MAX));
        assertEquals(1, driver.reg(QUEUE_READY));
        assertEquals(0x10000, driver.reg(QUEUE_DESC_LOW));
        assertEquals(0x11000, driver.reg(QUEUE_DRIVER_LOW));
        assertEquals(0x12000, driver.reg(QUEUE_DEVICE_LOW));
        driver.reg(QUEUE_SEL, 1);
        assertEquals("no second queue", 0, driver.reg(QUEUE_NUM_MAX));
        int expected = VirtioStatus.ACKNOWLEDGE | VirtioStatus.DRIVER | VirtioStatus.FEATURES_OK | VirtioStatus.DRIVER_OK;
        assertEquals(expected, driver.status());
    }

    @Test
    public void statusZeroResetsEverything() {
        driver.start(1, 64);
        rig.write(0, 0, BlkTestRig.pattern(512, 1));
        driver.reg(STATUS, 0);
        assertEquals(0, driver.status());
        driver.reg(QUEUE_SEL, 0);
        assertEquals(0, driver.reg(QUEUE_READY));
        assertEquals(0, driver.reg(QUEUE_NUM));
        assertEquals(0, driver.reg(QUEUE_DESC_LOW));
        assertEquals(0, rig.device.transportState().driverFeatures());
        assertEquals(0, driver.reg(INTERRUPT_STATUS));
        // and it works again from scratch
        driver.start(1, 64);
        rig.write(0, 0, BlkTestRig.pattern(512, 2));
        assertEquals(1, driver.usedIdx(0));
    }

    @Test
    public void queueSizeMustBeAPowerOfTwoWithinMax() {
        assertTrue(driver.negotiate(VirtioFeatures.VERSION_1));
        driver.setupQueue(0, 48);
        assertNeedsReset();
        assertNotNull(rig.device.lastError());
        assertTrue(driver.negotiate(VirtioFeatures.VERSION_1));
        driver.setupQueue(0, 512);
        assertNeedsReset();
    }

    @Test
    public void ringsOutsideRamAreRefused() {
        assertTrue(driver.negotiate(VirtioFeatures.VERSION_1));
        driver.setupQueue(0, 64, BlkTestRig.RAM - 0x100, 0x11000, 0x12000);
        assertNeedsReset();
        assertTrue(driver.negotiate(VirtioFeatures.VERSION_1));
        driver.setupQueue(0, 64, 0x10000, 0xFE000000L, 0x12000);
        assertNeedsReset();
        assertTrue(driver.negotiate(VirtioFeatures.VERSION_1));
        driver.setupQueue(0, 64, 0x10000, 0x11000, 0x1_0000_0000L);
        assertNeedsReset();
        assertTrue(driver.negotiate(VirtioFeatures.VERSION_1));
        driver.setupQueue(0, 64, 0x10008, 0x11000, 0x12000);
        assertNeedsReset();
        assertTrue(rig.memory.outOfRange.isEmpty());
    }

    @Test
    public void notifyBeforeDriverOkDoesNothing() {
        assertTrue(driver.negotiate(VirtioFeatures.VERSION_1));
        driver.setupQueue(0, 64);
        rig.write(0, 0, BlkTestRig.pattern(512, 1));
        assertEquals(0, driver.usedIdx(0));
        driver.driverOk();
        driver.notify(0);
        assertEquals(1, driver.usedIdx(0));
    }

    @Test
    public void oddWidthRegisterAccessIsIgnored() {
        assertEquals(0, rig.device.read(MAGIC_VALUE, 2));
        rig.device.write(STATUS, 1, 1);
        assertEquals(0, driver.status());
    }

    @Test
    public void interruptStatusIsSetAndAcknowledged() {
        driver.start(1, 64);
        rig.write(0, 0, BlkTestRig.pattern(512, 1));
        assertEquals(INTERRUPT_USED_BUFFER, driver.reg(INTERRUPT_STATUS));
        driver.reg(INTERRUPT_ACK, INTERRUPT_USED_BUFFER);
        assertEquals(0, driver.reg(INTERRUPT_STATUS));
    }

    @Test
    public void emptySlotSaysNoDevice() {
        EmptyMmioSlot slot = new EmptyMmioSlot(VirtioDevices.slotBase(7));
        assertEquals(0xFE007000L, slot.base());
        assertEquals(0x74726976, slot.read(MAGIC_VALUE, 4));
        assertEquals(2, slot.read(VERSION, 4));
        assertEquals(0, slot.read(DEVICE_ID, 4));
        slot.write(STATUS, 4, 1);
        assertEquals(0, slot.read(STATUS, 4));
    }

    private void assertNeedsReset() {
        assertTrue("DEVICE_NEEDS_RESET expected, status 0x" + Integer.toHexString(driver.status()),
                (driver.status() & VirtioStatus.DEVICE_NEEDS_RESET) != 0);
    }
}
