package org.kemari.hv.kvm.internal.virtio;

import org.kemari.hv.kvm.internal.bus.MmioDevice;

import static org.kemari.hv.kvm.internal.virtio.VirtioMmioRegisters.*;

/**
 * An unused virtio-mmio slot: it identifies itself as virtio-mmio version 2 with device id 0
 * ("no device"), as drivers probing the slots expect, and ignores writes. Has no state.
 */
public final class EmptyMmioSlot implements MmioDevice {
    private final long base;

    public EmptyMmioSlot(long base) {
        this.base = base;
    }

    @Override
    public long base() {
        return base;
    }

    @Override
    public long size() {
        return WINDOW_SIZE;
    }

    @Override
    public long read(long offset, int len) {
        if (len != 4) {
            return 0;
        }
        return switch ((int) offset) {
            case MAGIC_VALUE -> MAGIC;
            case VERSION -> MMIO_VERSION;
            case VENDOR_ID -> KEMARI_VENDOR;
            default -> 0; // DeviceID 0: no device here
        };
    }

    @Override
    public void write(long offset, int len, long value) {
        // Nothing to configure.
    }
}
