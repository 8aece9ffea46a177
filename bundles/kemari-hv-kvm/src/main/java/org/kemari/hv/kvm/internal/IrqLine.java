package org.kemari.hv.kvm.internal;

import org.kemari.api.hv.HypervisorException;
import org.kemari.hv.kvm.internal.bus.GuestEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An interrupt line of the in-kernel PIC/IOAPIC that a device raises as an edge (high, then low):
 * Linux runs legacy ISA lines edge-triggered, and a device that has more to say raises it again.
 */
final class IrqLine implements GuestEvents {
    private static final Logger LOG = LoggerFactory.getLogger(IrqLine.class);

    private final KvmVmFd vm;
    private final int gsi;
    private volatile boolean failureLogged;

    IrqLine(KvmVmFd vm, int gsi) {
        this.vm = vm;
        this.gsi = gsi;
    }

    int gsi() {
        return gsi;
    }

    @Override
    public void signal() {
        try {
            vm.irqLine(gsi, true);
            vm.irqLine(gsi, false);
        } catch (HypervisorException e) {
            if (!failureLogged) { // a closed VM fails every raise; say it once
                failureLogged = true;
                LOG.warn("cannot raise interrupt line {}: {}", gsi, e.getMessage());
            }
        }
    }

    /** A guest driver waits for the interrupt even for work completed while its vCPU was in the exit. */
    @Override
    public boolean interruptsOnVcpuExit() {
        return true;
    }
}
