package org.kemari.hv.kvm.internal.virtio;

/** Bits of the virtio device status register (virtio 1.1, section 2.1). */
final class VirtioStatus {
    static final int ACKNOWLEDGE = 1;
    static final int DRIVER = 2;
    static final int DRIVER_OK = 4;
    static final int FEATURES_OK = 8;
    static final int DEVICE_NEEDS_RESET = 64;
    static final int FAILED = 128;

    private VirtioStatus() {
    }
}
