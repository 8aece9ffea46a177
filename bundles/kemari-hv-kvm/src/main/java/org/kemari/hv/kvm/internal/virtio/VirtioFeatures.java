package org.kemari.hv.kvm.internal.virtio;

/** Feature bits the Kemari devices offer or must recognise. */
final class VirtioFeatures {
    /** The device is a virtio 1.x ("modern") device; required by the ABI. */
    static final long VERSION_1 = 1L << 32;
    /** Indirect descriptors: never offered; a driver that uses them anyway gets an error. */
    static final long RING_INDIRECT_DESC = 1L << 28;

    static final long BLK_RO = 1L << 5;
    static final long BLK_FLUSH = 1L << 9;

    static final long NET_MAC = 1L << 5;

    private VirtioFeatures() {
    }
}
