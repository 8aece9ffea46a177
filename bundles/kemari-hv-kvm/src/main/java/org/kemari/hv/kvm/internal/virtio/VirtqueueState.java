package org.kemari.hv.kvm.internal.virtio;

/**
 * The saved state of one split virtqueue: what the driver configured and how far the device got.
 *
 * @param size the queue size the driver chose (QueueNum)
 * @param ready whether the driver enabled the queue (QueueReady)
 * @param descAddr guest-physical address of the descriptor table
 * @param driverAddr guest-physical address of the available ring
 * @param deviceAddr guest-physical address of the used ring
 * @param lastAvailIdx the next available-ring index the device will take (16 bits)
 * @param usedIdx the device's used-ring index (16 bits)
 */
record VirtqueueState(int size, boolean ready, long descAddr, long driverAddr, long deviceAddr,
                      int lastAvailIdx, int usedIdx) {
}
