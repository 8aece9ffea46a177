package org.kemari.hv.kvm.internal.virtio;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.StateRecord;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmSpec.DiskSpec;
import org.kemari.api.hv.VmSpec.NicSpec;
import org.kemari.hv.kvm.internal.bus.GuestEvents;
import org.kemari.hv.kvm.internal.bus.GuestPhysicalMemory;
import org.kemari.hv.kvm.internal.bus.MmioDevice;
import org.kemari.hv.kvm.internal.bus.OutputRouter;
import org.kemari.hv.kvm.internal.net.NetBackend;
import org.kemari.hv.kvm.internal.net.NetBackends;

/**
 * The virtio devices of one VM, placed in the guest ABI's MMIO window: slot {@code i} at
 * {@code 0xFE000000 + i * 0x1000}, i = 0..7. The spec's disks take the first slots (virtio-blk,
 * in order), its NICs the next (virtio-net), and the remaining slots hold {@link EmptyMmioSlot}s.
 *
 * <p>Use: {@link #build(VmSpec, GuestPhysicalMemory, GuestEvents, OutputRouter)}, register every
 * {@link #mmioDevices()} entry on the MMIO bus, drive {@link #devices()} (or the bulk helpers
 * here) as {@code DeviceModel}s: quiesce before capture, save, restore, unquiesce on resume,
 * close when the VM goes. After a restore the devices stay quiesced until {@link #unquiesce()};
 * that is when in-flight disk writes are re-issued to the router.
 */
public final class VirtioDevices implements AutoCloseable {
    public static final long MMIO_BASE = 0xFE00_0000L;
    public static final long SLOT_STRIDE = 0x1000;
    public static final int SLOT_COUNT = 8;

    private final List<MmioDevice> slots;
    private final List<VirtioMmioDevice> devices;

    private VirtioDevices(List<MmioDevice> slots, List<VirtioMmioDevice> devices) {
        this.slots = List.copyOf(slots);
        this.devices = List.copyOf(devices);
    }

    /**
     * Opens every disk image and NIC backend of {@code spec} and builds the devices.
     *
     * @param spec the VM's disks and NICs
     * @param memory guest RAM, for the devices' DMA (all writes are dirty-tracked by it)
     * @param events wakes a WAITing guest when a device has put something in its memory
     * @param router receives every disk write and transmitted frame as a pending output
     * @throws HypervisorException INVALID_REQUEST for more than {@value #SLOT_COUNT} devices, duplicate
     *     ids, a bad NIC backend string or a missing image; UNSUPPORTED for NBD disks; HOST_ERROR when a
     *     host resource cannot be opened. Everything opened so far is closed again.
     */
    public static VirtioDevices build(VmSpec spec, GuestPhysicalMemory memory, GuestEvents events,
                                      OutputRouter router) throws HypervisorException {
        return build(spec, memory, slot -> events, router);
    }

    /** As {@link #build(VmSpec, GuestPhysicalMemory, GuestEvents, OutputRouter)}, each slot signalling its own way (an interrupt line each). */
    public static VirtioDevices build(VmSpec spec, GuestPhysicalMemory memory, IntFunction<GuestEvents> slotEvents,
                                      OutputRouter router) throws HypervisorException {
        int count = spec.disks().size() + spec.nics().size();
        if (count > SLOT_COUNT) {
            throw invalid("VM " + spec.name() + " has " + count + " disks and NICs; at most " + SLOT_COUNT + " fit the MMIO window");
        }
        Set<String> ids = new HashSet<>();
        spec.disks().forEach(d -> ids.add(d.id()));
        spec.nics().forEach(n -> ids.add(n.id()));
        if (ids.size() != count) {
            throw invalid("VM " + spec.name() + " has disks or NICs with the same id");
        }
        List<VirtioMmioDevice> devices = new ArrayList<>();
        try {
            for (DiskSpec disk : spec.disks()) {
                devices.add(new VirtioBlkDevice(disk.id(), slotBase(devices.size()), DiskBackends.open(disk),
                        memory, slotEvents.apply(devices.size()), router));
            }
            for (NicSpec nic : spec.nics()) {
                VirtioNetDevice net = new VirtioNetDevice(nic.id(), slotBase(devices.size()), parseMac(nic.mac()),
                        openNetBackend(nic), memory, slotEvents.apply(devices.size()), router);
                devices.add(net);
                net.start();
            }
        } catch (HypervisorException | RuntimeException e) {
            devices.forEach(VirtioMmioDevice::close);
            throw e;
        }
        List<MmioDevice> slots = new ArrayList<>(devices);
        while (slots.size() < SLOT_COUNT) {
            slots.add(new EmptyMmioSlot(slotBase(slots.size())));
        }
        return new VirtioDevices(slots, devices);
    }

    /** Guest-physical base address of slot {@code i}. */
    public static long slotBase(int i) {
        return MMIO_BASE + i * SLOT_STRIDE;
    }

    /** All {@value #SLOT_COUNT} slots in address order: the devices, then empty slots. */
    public List<MmioDevice> mmioDevices() {
        return slots;
    }

    /** The real devices, disks then NICs: each an MmioDevice and a DeviceModel. */
    public List<VirtioMmioDevice> devices() {
        return devices;
    }

    public void quiesce() {
        devices.forEach(VirtioMmioDevice::quiesce);
    }

    public void unquiesce() {
        devices.forEach(VirtioMmioDevice::unquiesce);
    }

    /** One state record per device, in device order. */
    public List<StateRecord> save() {
        List<StateRecord> records = new ArrayList<>(devices.size());
        devices.forEach(d -> records.add(d.save()));
        return records;
    }

    /**
     * Restores every device from the record whose instance is its id. Records of other kinds
     * (vCPUs, console) are ignored; a device without a record, or a record for a device id this
     * VM lacks, is BAD_STATE.
     */
    public void restore(List<StateRecord> records) throws HypervisorException {
        // Match every record to its device first, so a mismatch leaves all devices untouched.
        Map<VirtioMmioDevice, StateRecord> plan = new LinkedHashMap<>();
        for (StateRecord r : records) {
            if (!r.kind().equals(VirtioBlkState.KIND) && !r.kind().equals(VirtioNetState.KIND)) {
                continue;
            }
            VirtioMmioDevice device = devices.stream().filter(d -> d.id().equals(r.instance())).findFirst()
                    .orElseThrow(() -> StateReader.badState("saved state has " + r.kind() + " device '"
                            + r.instance() + "', which this VM does not have"));
            if (plan.put(device, r) != null) {
                throw StateReader.badState("saved state has two records for device '" + device.id() + "'");
            }
        }
        for (VirtioMmioDevice d : devices) {
            if (!plan.containsKey(d)) {
                throw StateReader.badState("saved state has no record for device '" + d.id() + "'");
            }
        }
        for (Map.Entry<VirtioMmioDevice, StateRecord> e : plan.entrySet()) {
            e.getKey().restore(e.getValue());
        }
    }

    @Override
    public void close() {
        devices.forEach(VirtioMmioDevice::close);
    }

    private static NetBackend openNetBackend(NicSpec nic) throws HypervisorException {
        try {
            return NetBackends.open(nic.backend());
        } catch (IllegalArgumentException e) {
            throw new HypervisorException(HypervisorException.Reason.INVALID_REQUEST, "NIC " + nic.id() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new HypervisorException(HypervisorException.Reason.HOST_ERROR, "NIC " + nic.id() + ": " + e.getMessage(), e);
        }
    }

    static byte[] parseMac(String mac) {
        String[] parts = mac.split(":");
        byte[] bytes = new byte[6];
        for (int i = 0; i < 6; i++) {
            bytes[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return bytes;
    }

    private static HypervisorException invalid(String message) {
        return new HypervisorException(HypervisorException.Reason.INVALID_REQUEST, message);
    }
}
