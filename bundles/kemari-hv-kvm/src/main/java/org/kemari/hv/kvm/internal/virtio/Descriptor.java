package org.kemari.hv.kvm.internal.virtio;

/**
 * One buffer of a descriptor chain, already checked to lie in guest RAM.
 *
 * @param addr guest-physical address
 * @param len length in bytes
 * @param writable whether the device may write it (VIRTQ_DESC_F_WRITE)
 */
record Descriptor(long addr, int len, boolean writable) {
}
