package org.kemari.hv.kvm.internal.virtio;

import org.kemari.hv.kvm.internal.bus.DeviceModel;
import org.kemari.hv.kvm.internal.bus.MmioDevice;

/** A virtio device on the MMIO bus: a register window the vCPU loop dispatches to, and a device model with saved state. */
public interface VirtioMmioDevice extends MmioDevice, DeviceModel {

    /** The virtio device id (1 net, 2 blk). */
    int deviceType();
}
