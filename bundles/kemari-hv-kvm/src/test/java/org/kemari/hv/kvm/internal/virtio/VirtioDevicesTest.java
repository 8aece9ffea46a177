package org.kemari.hv.kvm.internal.virtio;

import static org.junit.Assert.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.StateRecord;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmSpec.DiskSpec;
import org.kemari.api.hv.VmSpec.NicSpec;
import org.kemari.hv.kvm.internal.bus.MmioDevice;
import org.kemari.hv.kvm.internal.net.NetPairRegistry;

/** The factory: slot layout, failures, bulk save and restore. */
public class VirtioDevicesTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private final FakeGuestMemory memory = new FakeGuestMemory(1 << 20);
    private final FakeRouter router = new FakeRouter();
    private final FakeEvents events = new FakeEvents();

    @After
    public void tearDown() {
        NetPairRegistry.remove("devtest");
    }

    @Test
    public void disksThenNicsThenEmptySlots() throws Exception {
        NetPairRegistry.create("devtest");
        VmSpec spec = spec(List.of(disk("vda"), disk("vdb")), List.of(new NicSpec("net0", "52:54:00:12:34:56", "pair:devtest")));
        try (VirtioDevices devices = VirtioDevices.build(spec, memory, events, router)) {
            List<MmioDevice> slots = devices.mmioDevices();
            assertEquals(8, slots.size());
            for (int i = 0; i < 8; i++) {
                assertEquals(0xFE000000L + i * 0x1000L, slots.get(i).base());
                assertEquals(0x1000, slots.get(i).size());
                assertEquals(0x74726976L, slots.get(i).read(0, 4));
            }
            assertEquals(2, slots.get(0).read(VirtioMmioRegisters.DEVICE_ID, 4));
            assertEquals(2, slots.get(1).read(VirtioMmioRegisters.DEVICE_ID, 4));
            assertEquals(1, slots.get(2).read(VirtioMmioRegisters.DEVICE_ID, 4));
            for (int i = 3; i < 8; i++) {
                assertEquals(0, slots.get(i).read(VirtioMmioRegisters.DEVICE_ID, 4));
            }
            assertEquals(List.of("vda", "vdb", "net0"), devices.devices().stream().map(d -> d.id()).toList());
            assertEquals(0x56, slots.get(2).read(VirtioMmioRegisters.CONFIG + 5, 1));
        }
    }

    @Test
    public void bulkSaveAndRestore() throws Exception {
        VmSpec spec = spec(List.of(disk("vda")), List.of(new NicSpec("net0", "52:54:00:12:34:56", "none")));
        List<StateRecord> saved;
        try (VirtioDevices devices = VirtioDevices.build(spec, memory, events, router)) {
            devices.quiesce();
            saved = devices.save();
            devices.unquiesce();
        }
        assertEquals(List.of("kvm.virtio-blk", "kvm.virtio-net"), saved.stream().map(StateRecord::kind).toList());
        try (VirtioDevices standby = VirtioDevices.build(spec, memory, events, router)) {
            StateRecord vcpu = new StateRecord("kvm.vcpu", "0", 1, new byte[0]);
            standby.restore(List.of(vcpu, saved.get(0), saved.get(1)));
            standby.unquiesce();
            assertBadState(() -> standby.restore(List.of(saved.get(0))), "no record for device 'net0'");
            StateRecord stranger = new StateRecord(saved.get(0).kind(), "vdz", 1, saved.get(0).payload());
            assertBadState(() -> standby.restore(List.of(stranger, saved.get(0), saved.get(1))), "'vdz'");
        }
    }

    @Test
    public void tooManyDevices() {
        List<DiskSpec> disks = new java.util.ArrayList<>();
        for (int i = 0; i < 9; i++) {
            disks.add(new DiskSpec("vd" + i, "/nonexistent", false));
        }
        assertFails(spec(disks, List.of()), HypervisorException.Reason.INVALID_REQUEST, "at most 8");
    }

    @Test
    public void duplicateIds() throws Exception {
        assertFails(spec(List.of(disk("x")), List.of(new NicSpec("x", "52:54:00:12:34:56", "none"))),
                HypervisorException.Reason.INVALID_REQUEST, "same id");
    }

    @Test
    public void missingImage() {
        assertFails(spec(List.of(new DiskSpec("vda", tmp.getRoot() + "/missing.img", false)), List.of()),
                HypervisorException.Reason.INVALID_REQUEST, "does not exist");
    }

    @Test
    public void anUnreachableNbdServerIsAClearError() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertFails(spec(List.of(new DiskSpec("vda", "nbd://127.0.0.1:" + port + "/x", false)), List.of()),
                HypervisorException.Reason.UNAVAILABLE, "disk vda: nbd-server 127.0.0.1:" + port + " refused the connection");
        assertFails(spec(List.of(new DiskSpec("vda", "nbd://127.0.0.1:" + port, false)), List.of()),
                HypervisorException.Reason.INVALID_REQUEST, "names no export");
    }

    @Test
    public void badNicBackend() throws Exception {
        assertFails(spec(List.of(disk("vda")), List.of(new NicSpec("net0", "52:54:00:12:34:56", "bogus"))),
                HypervisorException.Reason.INVALID_REQUEST, "unknown NIC backend 'bogus'");
    }

    private DiskSpec disk(String id) throws Exception {
        Path image = tmp.newFile(id + ".img").toPath();
        Files.write(image, new byte[64 << 10]);
        return new DiskSpec(id, image.toString(), false);
    }

    private static VmSpec spec(List<DiskSpec> disks, List<NicSpec> nics) {
        return new VmSpec("t", 1 << 20, 1, VmSpec.TEST_GUEST, disks, nics, Map.of());
    }

    private void assertFails(VmSpec spec, HypervisorException.Reason reason, String message) {
        HypervisorException e = assertThrows(HypervisorException.class, () -> VirtioDevices.build(spec, memory, events, router));
        assertEquals(reason, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains(message));
    }

    private static void assertBadState(org.junit.function.ThrowingRunnable r, String message) {
        HypervisorException e = assertThrows(HypervisorException.class, r);
        assertEquals(HypervisorException.Reason.BAD_STATE, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains(message));
    }
}
