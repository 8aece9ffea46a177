package org.kemari.hv.kvm.internal.virtio;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.VmSpec.DiskSpec;
import org.kemari.hv.kvm.internal.nbd.NbdServerProcess;
import org.kemari.testing.TestTime;

/** virtio-blk on an export of a real nbd-server (Debian package nbd-server), as shared storage. */
public class NbdDiskOnRealServerTest {
    private static final int IMAGE_BYTES = 1 << 20;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private Path image;
    private NbdServerProcess server;

    @Before
    public void setUp() throws Exception {
        assumeTrue("nbd-server is not installed (Debian package nbd-server; scripts/setup.sh installs it): skipping",
                NbdServerProcess.binary().isPresent());
        image = tmp.newFile("shared.img").toPath();
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(IMAGE_BYTES);
        }
        server = NbdServerProcess.start(tmp.getRoot().toPath(), Map.of("vm1", image, "ro", image), List.of("ro"));
        // On a slow host (a lab box: -Dkemari.test.timeScale) the server negotiates in seconds.
        System.setProperty(DiskBackends.NBD_CONNECT_TIMEOUT_PROPERTY,
                String.valueOf(TestTime.millis(DiskBackends.NBD_CONNECT_TIMEOUT_MILLIS)));
    }

    @After
    public void tearDown() {
        System.clearProperty(DiskBackends.NBD_CONNECT_TIMEOUT_PROPERTY);
        if (server != null) {
            server.close();
        }
    }

    private DiskBackend open(String export, boolean readOnly) throws HypervisorException {
        return DiskBackends.open(new DiskSpec("vda", server.uri(export), readOnly));
    }

    @Test
    public void guestWritesLandOnTheExportAndReadBack() throws Exception {
        DiskBackend disk = open("vm1", false);
        assertEquals(IMAGE_BYTES, disk.capacityBytes());
        assertEquals("NBD export " + server.uri("vm1"), disk.describe());
        try (BlkTestRig rig = new BlkTestRig(image, disk)) {
            assertTrue(rig.driver.negotiate(VirtioFeatures.VERSION_1 | VirtioFeatures.BLK_FLUSH));
            rig.driver.setupQueue(0, 16);
            rig.driver.driverOk();
            byte[] data = BlkTestRig.pattern(8192, 5);
            rig.write(0, 8, data);
            assertEquals(VirtioBlkDevice.S_OK, rig.statusOf(0));
            rig.request(1, VirtioBlkDevice.T_FLUSH);
            assertEquals(VirtioBlkDevice.S_OK, rig.statusOf(1));
            assertArrayEquals("the export's backing file has the write", data, rig.fileBytes(8 * 512, 8192));
            rig.read(2, 8, 8192);
            assertEquals(VirtioBlkDevice.S_OK, rig.statusOf(2));
            assertArrayEquals(data, rig.dataOf(2, 8192));
        }
    }

    @Test
    public void twoNodesShareTheExport() throws Exception {
        try (DiskBackend primary = open("vm1", false); DiskBackend standby = open("vm1", false)) {
            byte[] data = BlkTestRig.pattern(4096, 9);
            primary.write(4096, ByteBuffer.wrap(data));
            ByteBuffer seen = ByteBuffer.allocate(4096);
            standby.read(4096, seen);
            assertArrayEquals(data, seen.array());
        }
    }

    @Test
    public void anUnknownExportIsAClearError() {
        HypervisorException e = assertThrows(HypervisorException.class, () -> open("nope", false));
        assertEquals(HypervisorException.Reason.INVALID_REQUEST, e.reason());
        assertTrue(e.getMessage(), e.getMessage().startsWith("disk vda: nbd-server 127.0.0.1:" + server.port()
                + " has no export 'nope'"));
    }

    @Test
    public void aReadOnlyExportIsRefusedForAWritableDisk() throws Exception {
        HypervisorException e = assertThrows(HypervisorException.class, () -> open("ro", false));
        assertEquals(HypervisorException.Reason.INVALID_REQUEST, e.reason());
        assertEquals("disk vda: export 'ro' of nbd-server 127.0.0.1:" + server.port()
                + " is read-only, but the disk is writable (mark the disk read-only, or export it writable)", e.getMessage());
        try (DiskBackend disk = open("ro", true)) {
            assertTrue(disk.readOnly());
            disk.read(0, ByteBuffer.allocate(512));
        }
    }

    @Test
    public void aServerLostMidRunFailsRequestsWithIoErrors() throws Exception {
        try (BlkTestRig rig = new BlkTestRig(image, open("vm1", false))) {
            rig.driver.negotiate(VirtioFeatures.VERSION_1 | VirtioFeatures.BLK_FLUSH);
            rig.driver.setupQueue(0, 16);
            rig.driver.driverOk();
            rig.write(0, 0, BlkTestRig.pattern(4096, 1));
            assertEquals(VirtioBlkDevice.S_OK, rig.statusOf(0));

            server.close();
            rig.router.hold = true;
            rig.write(1, 8, BlkTestRig.pattern(4096, 2));
            long t0 = System.nanoTime();
            IOException why = assertThrows(IOException.class, rig.router::releaseAll);
            assertTrue(why.getMessage(), why.getMessage().startsWith("vda: disk write of 4096 bytes at offset 4096 failed: "
                    + "lost the connection to nbd-server 127.0.0.1:" + server.port() + " (export 'vm1') during write"));
            assertEquals("the guest sees an I/O error", VirtioBlkDevice.S_IOERR, rig.statusOf(1));
            rig.read(2, 0, 4096);
            assertEquals(VirtioBlkDevice.S_IOERR, rig.statusOf(2));
            assertTrue("no hang", System.nanoTime() - t0 < 5_000_000_000L);
        }
    }
}
