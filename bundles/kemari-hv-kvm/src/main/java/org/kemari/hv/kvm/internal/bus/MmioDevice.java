package org.kemari.hv.kvm.internal.bus;

/**
 * A device model on the MMIO bus. Called on the vCPU thread that took the MMIO exit; the VM is
 * running, so implementations must be quick and must not block on the network.
 */
public interface MmioDevice {

    /** Guest-physical base address of the register window. */
    long base();

    /** Window size in bytes. */
    long size();

    /** A guest read of {@code len} (1, 2, 4 or 8) bytes at {@code offset} into the window. */
    long read(long offset, int len);

    /** A guest write of {@code len} bytes at {@code offset} into the window. */
    void write(long offset, int len, long value);
}
