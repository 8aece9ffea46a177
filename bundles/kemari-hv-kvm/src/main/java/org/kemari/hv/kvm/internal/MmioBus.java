package org.kemari.hv.kvm.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.kemari.hv.kvm.internal.bus.MmioDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches MMIO exits to the registered {@link MmioDevice}s (the virtio devices and the empty
 * slots of the ABI's MMIO window). An unclaimed access reads all ones and ignores writes (logged once).
 */
final class MmioBus {
    private static final Logger LOG = LoggerFactory.getLogger(MmioBus.class);

    private final String vmName;
    private final List<MmioDevice> devices = new CopyOnWriteArrayList<>();
    private final AtomicBoolean unclaimedLogged = new AtomicBoolean();

    MmioBus(String vmName) {
        this.vmName = vmName;
    }

    void register(MmioDevice device) {
        for (MmioDevice d : devices) {
            if (device.base() < d.base() + d.size() && d.base() < device.base() + device.size()) {
                throw new IllegalArgumentException("MMIO window of a device at 0x" + Long.toHexString(device.base())
                        + " overlaps one at 0x" + Long.toHexString(d.base()));
            }
        }
        devices.add(device);
    }

    long read(long gpa, int len) {
        MmioDevice d = find(gpa, len);
        if (d != null) {
            return d.read(gpa - d.base(), len);
        }
        unclaimed("read", gpa, len);
        return len >= 8 ? -1L : (1L << (8 * len)) - 1;
    }

    void write(long gpa, int len, long value) {
        MmioDevice d = find(gpa, len);
        if (d != null) {
            d.write(gpa - d.base(), len, value);
        } else {
            unclaimed("write", gpa, len);
        }
    }

    private MmioDevice find(long gpa, int len) {
        for (MmioDevice d : devices) {
            if (gpa >= d.base() && gpa + len <= d.base() + d.size()) {
                return d;
            }
        }
        return null;
    }

    private void unclaimed(String what, long gpa, int len) {
        if (unclaimedLogged.compareAndSet(false, true)) {
            LOG.warn("VM {}: unclaimed MMIO {} of {} bytes at 0x{} (reads return all ones, writes are ignored; logged once)",
                    vmName, what, len, Long.toHexString(gpa));
        }
    }
}
