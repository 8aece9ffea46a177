package org.kemari.hv.kvm.internal.virtio;

import static org.junit.Assert.*;

import java.nio.file.Files;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A read-only disk: offers VIRTIO_BLK_F_RO, reads work, writes fail with IOERR and produce no output. */
public class ReadOnlyDiskTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void refusesWrites() throws Exception {
        try (BlkTestRig rig = new BlkTestRig(tmp.getRoot().toPath(), 64 << 10, true)) {
            assertTrue((rig.driver.deviceFeatures() & VirtioFeatures.BLK_RO) != 0);
            assertTrue(rig.driver.negotiate(VirtioFeatures.VERSION_1 | VirtioFeatures.BLK_RO));
            rig.driver.setupQueue(0, 16);
            rig.driver.driverOk();
            byte[] before = Files.readAllBytes(rig.image);

            rig.write(0, 0, BlkTestRig.pattern(512, 1));
            assertEquals(VirtioBlkDevice.S_IOERR, rig.statusOf(0));
            assertEquals(1, rig.driver.usedIdx(0));
            assertTrue(rig.router.submitted.isEmpty());
            assertArrayEquals(before, Files.readAllBytes(rig.image));

            rig.read(1, 0, 512);
            assertEquals(VirtioBlkDevice.S_OK, rig.statusOf(1));
            rig.request(2, VirtioBlkDevice.T_FLUSH);
            assertEquals(VirtioBlkDevice.S_OK, rig.statusOf(2));
        }
    }
}
