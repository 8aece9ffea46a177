package org.kemari.core.internal.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.management.ProtectionStatus.State;
import org.kemari.guest.GuestDiskPattern;
import org.kemari.hv.kvm.internal.nbd.NbdServerProcess;

/**
 * The engine with its two kinds of storage, end to end on real KVM: shared storage on a real
 * nbd-server, and replicated disks whose standby copy rides in the epoch stream.
 */
public class StorageEngineTest {
    private static final int DISK_BLOCKS = 256;
    private static final long DISK_BYTES = DISK_BLOCKS * 4096L;

    private EngineRig rig;
    private NbdServerProcess nbd;

    @Before
    public void setUp() throws Exception {
        assumeTrue("needs /dev/kvm (read-write)", Files.isWritable(Path.of("/dev/kvm")));
        rig = new EngineRig();
    }

    @After
    public void tearDown() throws Exception {
        if (rig != null) {
            rig.close();
        }
        // After the rig: the VMs' connections go first.
        if (nbd != null) {
            nbd.close();
        }
    }

    private static VmSpec spec(String diskPath) {
        return new VmSpec("vm1", 32 << 20, 1, VmSpec.TEST_GUEST, List.of(new VmSpec.DiskSpec("vda", diskPath, false)),
                List.of(), Map.of("guest.workloads", "dirtier,disk", "guest.disk-blocks", String.valueOf(DISK_BLOCKS),
                        "guest.dirty-pages", "8", "guest.pace-us", "200"));
    }

    private Path newImage(Path file) throws Exception {
        Files.createDirectories(file.getParent());
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(DISK_BYTES);
        }
        return file;
    }

    /** Protects vm1, lets it run {@code epochs} epochs, kills the primary and returns the VM running on the standby. */
    private Vm protectThenKillThePrimary(VmSpec spec) throws Exception {
        Vm vm = rig.primaryVms.start("kvm", spec);
        assertEquals(State.PROTECTED, rig.primary.protect("vm1", rig.standbyAddress()).state());
        EngineRig.await(() -> rig.primary.status("vm1").orElseThrow().epochs() > 50, 20_000, "50 epochs");
        assertTrue("the guest makes progress while protected", EngineRig.guestStatus(vm, EngineRig.DISK_WRITES_ACKED) > 10);

        // The primary dies: its VM stops dead (its disk connection with it), its link drops.
        rig.crashPrimary(vm);

        EngineRig.await(() -> rig.standby.status("vm1").map(s -> s.state() == State.FAILED_OVER).orElse(false), 5_000,
                () -> "the standby to take over: " + rig.standby.list());
        ProtectionStatus status = rig.standby.status("vm1").orElseThrow();
        assertEquals(status.message(), State.FAILED_OVER, status.state());
        Vm survivor = rig.standbyVms.find("vm1").orElseThrow();
        long ackedAtTakeover = EngineRig.guestStatus(survivor, EngineRig.DISK_WRITES_ACKED);
        EngineRig.await(() -> EngineRig.guestStatus(survivor, EngineRig.DISK_WRITES_ACKED) > ackedAtTakeover + 20, 10_000,
                "the guest to go on writing on the standby");
        survivor.pause();
        return survivor;
    }

    @Test
    public void sharedNbdStorageKeepsEveryAcknowledgedWriteAcrossAFailover() throws Exception {
        assumeTrue("nbd-server is not installed (Debian package nbd-server; scripts/setup.sh installs it): skipping",
                NbdServerProcess.binary().isPresent());
        Path export = newImage(rig.dir.resolve("nbd/vm1.img"));
        nbd = NbdServerProcess.start(export.getParent(), Map.of("vm1", export), List.of());

        Vm survivor = protectThenKillThePrimary(spec(nbd.uri("vm1")));

        assertEquals("the standby runs on the same export", nbd.uri("vm1"), survivor.spec().disks().get(0).path());
        long acked = EngineRig.guestStatus(survivor, EngineRig.DISK_WRITES_ACKED);
        assertNull(GuestDiskPattern.verifySequential(export, DISK_BLOCKS, acked));
    }

    @Test
    public void aReplicatedDiskFailsOverToTheStandbysOwnCopy() throws Exception {
        Path primaryImage = newImage(rig.dir.resolve("images/vm1.img"));
        Path standbyCopy = rig.standbyDiskRoot.resolve(primaryImage.toString().substring(1));
        Files.createDirectories(standbyCopy.getParent());

        Vm survivor = protectThenKillThePrimary(spec("replicated:" + primaryImage));

        assertEquals("replicated:" + standbyCopy, survivor.spec().disks().get(0).path());
        long acked = EngineRig.guestStatus(survivor, EngineRig.DISK_WRITES_ACKED);
        assertNull(GuestDiskPattern.verifySequential(standbyCopy, DISK_BLOCKS, acked));
    }

    @Test
    public void theStandbysCopyOfAReplicatedDiskFollowsThePrimaryEpochByEpoch() throws Exception {
        Path primaryImage = newImage(rig.dir.resolve("images/vm1.img"));
        // Some data before the VM starts, and a stale copy on the standby: the initial copy must replace it.
        Files.write(primaryImage, filled(DISK_BYTES, (byte) 0x5A));
        Path standbyCopy = rig.standbyDiskRoot.resolve(primaryImage.toString().substring(1));
        Files.createDirectories(standbyCopy.getParent());
        Files.write(standbyCopy, filled(DISK_BYTES / 2, (byte) 0xEE));

        Vm vm = rig.primaryVms.start("kvm", spec("replicated:" + primaryImage));
        rig.primary.protect("vm1", rig.standbyAddress());
        EngineRig.await(() -> rig.primary.status("vm1").orElseThrow().epochs() > 100, 30_000, "100 epochs");
        long ackedWhileProtected = EngineRig.guestStatus(vm, EngineRig.DISK_WRITES_ACKED);
        rig.primary.unprotect("vm1");
        EngineRig.await(() -> rig.standby.list().stream().allMatch(s -> s.state() == State.ENDED), 5_000,
                () -> "the standby to end its session: " + rig.standby.list());
        vm.pause();

        // The standby's copy holds the writes of every epoch the standby committed: a prefix
        // 0..last of the guest's writes, which includes every write the guest saw acknowledged
        // while protected. The primary, running on unprotected, has that prefix and later writes.
        byte[] primary = Files.readAllBytes(primaryImage);
        byte[] standby = Files.readAllBytes(standbyCopy);
        assertEquals("the initial copy gave the standby the whole image", primary.length, standby.length);
        long last = -1;
        for (int b = 0; b < DISK_BLOCKS; b++) {
            last = Math.max(last, seq(block(standby, b)));
        }
        assertTrue("writes acknowledged while protected: " + ackedWhileProtected + ", on the standby: " + (last + 1),
                last + 1 >= ackedWhileProtected && ackedWhileProtected > 50);
        assertNull(GuestDiskPattern.verifySequential(standbyCopy, DISK_BLOCKS, last + 1));
        for (int b = 0; b < primary.length / 4096; b++) {
            byte[] p = block(primary, b);
            if (seq(p) <= last) {
                assertTrue("block " + b + ": the standby's copy differs from the primary's (primary write " + seq(p)
                        + ", standby write " + seq(block(standby, b)) + ")", Arrays.equals(p, block(standby, b)));
            } else {
                assertTrue("block " + b + ": a write after the last replicated one", b < DISK_BLOCKS);
            }
        }
    }

    private static byte[] block(byte[] image, int b) {
        return Arrays.copyOfRange(image, b * 4096, b * 4096 + 4096);
    }

    @Test
    public void anUnreachableNbdServerIsAClearErrorAndLeavesNothingBehind() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String uri = "nbd://127.0.0.1:" + port + "/vm1";
        HypervisorException e = assertThrows(HypervisorException.class, () -> rig.primaryVms.start("kvm", spec(uri)));
        assertEquals(HypervisorException.Reason.UNAVAILABLE, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("disk vda: nbd-server 127.0.0.1:" + port + " refused the connection"));
        assertTrue("no VM is left behind", rig.primaryVms.list().isEmpty());
        assertTrue(rig.primaryVms.find("vm1").isEmpty());
    }

    private static byte[] filled(long bytes, byte value) {
        byte[] b = new byte[(int) bytes];
        Arrays.fill(b, value);
        return b;
    }

    /** The guest's write number in a block (GuestDiskPattern layout), or -1 if it wrote none there. */
    private static long seq(byte[] block) {
        ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        return b.getLong(0) == GuestDiskPattern.BLOCK_MAGIC ? b.getLong(8) : -1;
    }
}
