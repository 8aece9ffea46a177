/**
 * The KVM backend's virtio devices: the virtio-mmio (version 2) transport, split virtqueues,
 * virtio-blk and virtio-net, their saved state, and {@link org.kemari.hv.kvm.internal.virtio.VirtioDevices},
 * which builds a VM's devices into the guest ABI's MMIO slots (docs/specs/guest-abi.md).
 *
 * <p>Rules every device here keeps: all DMA goes through
 * {@link org.kemari.hv.kvm.internal.bus.GuestPhysicalMemory} (so it is dirty-tracked) and is
 * checked against guest RAM first; a malformed queue sets DEVICE_NEEDS_RESET instead of throwing
 * into the vCPU loop; externally visible effects (disk writes, transmitted frames) leave only as
 * {@link org.kemari.api.io.PendingOutput}s through the
 * {@link org.kemari.hv.kvm.internal.bus.OutputRouter}; nothing writes guest memory while quiesced.
 *
 * <p>Saved state: one {@link org.kemari.api.hv.StateRecord} per device, kind {@code kvm.virtio-blk}
 * or {@code kvm.virtio-net}, version 1, instance = the device id. The payload is big-endian
 * ({@link java.io.DataOutput}): a transport section (its own name {@code kvm.virtio-mmio} and
 * version 1: device type, status, driver features, selectors, interrupt status, then per queue
 * size, ready, the three ring addresses, last available index, used index), then the device
 * section (blk: the head indices of writes in flight, in submission order; net: nothing), then a
 * CRC32C of all preceding bytes.
 */
package org.kemari.hv.kvm.internal.virtio;
