package org.kemari.hv.kvm.internal.virtio;

/**
 * The driver laid out a virtqueue the device cannot use: a ring or buffer outside guest RAM, a
 * descriptor index out of range, a loop, an indirect descriptor. The device stops using its
 * queues and sets DEVICE_NEEDS_RESET; the guest must reset it.
 */
final class VirtqueueException extends Exception {
    private static final long serialVersionUID = 1L;

    VirtqueueException(String message) {
        super(message);
    }
}
