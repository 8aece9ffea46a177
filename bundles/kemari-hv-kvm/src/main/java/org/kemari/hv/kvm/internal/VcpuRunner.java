package org.kemari.hv.kvm.internal;

import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;

import org.kemari.hv.kvm.internal.sys.KvmConstants;
import org.kemari.hv.kvm.internal.sys.KvmLayout;
import org.kemari.hv.kvm.internal.sys.LibC;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One vCPU's thread: KVM_RUN in a loop, handling each exit. Before every entry it checks the
 * {@link RunControl}; to pause it first completes a pending I/O or MMIO exit (immediate_exit +
 * KVM_RUN → EINTR) so the captured state is at an instruction boundary, then parks.
 */
final class VcpuRunner implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(VcpuRunner.class);

    private final KvmVcpuFd vcpu;
    private final VcpuKicker kicker = new VcpuKicker();
    private final RunControl control;
    private final IoPorts ports;
    private final MmioBus mmio;
    private final VmEvents events;
    private final ByteBuffer run;
    /** The last exit was I/O or MMIO: KVM finishes the instruction on the next KVM_RUN. */
    private boolean exitPending;
    /** Whether a WAIT about to block should complete its exit first (see {@link #handleIo}). */
    private final BooleanSupplier completeBeforeWait;

    VcpuRunner(KvmVcpuFd vcpu, RunControl control, IoPorts ports, MmioBus mmio, VmEvents events,
               BooleanSupplier completeBeforeWait) {
        this.completeBeforeWait = completeBeforeWait;
        this.vcpu = vcpu;
        this.control = control;
        this.ports = ports;
        this.mmio = mmio;
        this.events = events;
        this.run = vcpu.runArea();
    }

    KvmVcpuFd vcpu() {
        return vcpu;
    }

    /** From any thread: makes the vCPU leave KVM_RUN soon (immediate_exit first, then the signal). */
    void kick() {
        vcpu.setImmediateExit(true);
        kicker.kick();
    }

    @Override
    public void run() {
        try {
            kicker.attachCurrentThread(vcpu);
            loop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (!control.closing()) {
                events.guestFailed("vCPU " + vcpu.id() + " thread interrupted");
            }
        } catch (Throwable t) {
            LOG.error("vCPU {} failed", vcpu.id(), t);
            events.guestFailed("vCPU " + vcpu.id() + ": " + t);
        } finally {
            kicker.detachCurrentThread();
            control.vcpuEnded();
        }
    }

    private void loop() throws Exception {
        while (true) {
            if (control.stopRequested()) {
                if (control.closing()) {
                    return;
                }
                completePendingExit();
                if (!control.parkWhilePaused()) {
                    return;
                }
                // Clear before re-checking stopRequested, so a pause racing with this resume is never lost.
                vcpu.setImmediateExit(false);
                kicker.drain();
                continue;
            }
            int rc = vcpu.run();
            if (rc < 0) {
                int errno = Errno.last();
                if (errno == LibC.EINTR || errno == LibC.EAGAIN) {
                    kicker.drain();
                    continue;
                }
                events.guestFailed("KVM_RUN failed on vCPU " + vcpu.id() + ": " + Errno.describe(errno));
                return;
            }
            if (!handleExit()) {
                return;
            }
        }
    }

    /** KVM_RUN with immediate_exit set finishes the pending instruction and returns EINTR without running the guest. */
    private void completePendingExit() {
        if (!exitPending) {
            return;
        }
        vcpu.setImmediateExit(true);
        int rc = vcpu.run();
        int errno = Errno.last();
        if (rc == 0 || errno != LibC.EINTR) {
            LOG.warn("vCPU {}: completing the pending exit returned rc={} ({})", vcpu.id(), rc, rc < 0 ? Errno.describe(errno) : "an exit");
        }
        exitPending = false;
        kicker.drain();
    }

    /** Handles one exit; false if the vCPU must stop. */
    private boolean handleExit() throws InterruptedException {
        int reason = vcpu.exitReason();
        switch (reason) {
            case KvmConstants.KVM_EXIT_IO -> {
                exitPending = true;
                return handleIo();
            }
            case KvmConstants.KVM_EXIT_MMIO -> {
                exitPending = true;
                handleMmio();
                return true;
            }
            case KvmConstants.KVM_EXIT_INTR -> {
                kicker.drain();
                return true;
            }
            case KvmConstants.KVM_EXIT_HLT -> {
                events.guestStopped(String.format("guest executed HLT at rip=0x%x (no interrupts exist, so it can never continue)", vcpu.rip()));
                return false;
            }
            case KvmConstants.KVM_EXIT_SHUTDOWN -> {
                events.guestFailed(tripleFault());
                return false;
            }
            case KvmConstants.KVM_EXIT_FAIL_ENTRY -> {
                events.guestFailed(String.format("KVM could not enter the guest (hardware entry failure reason 0x%x) at rip=0x%x",
                        run.getLong(KvmLayout.RUN_FAIL_ENTRY_REASON), vcpu.rip()));
                return false;
            }
            case KvmConstants.KVM_EXIT_INTERNAL_ERROR -> {
                events.guestFailed(internalError());
                return false;
            }
            case KvmConstants.KVM_EXIT_SYSTEM_EVENT -> {
                int type = run.getInt(KvmLayout.RUN_SYSTEM_EVENT_TYPE);
                events.guestStopped("guest system event " + type + " (1 shutdown, 2 reset, 3 crash)");
                return false;
            }
            default -> {
                events.guestFailed(String.format("unexpected KVM exit reason %d at rip=0x%x", reason, vcpu.rip()));
                return false;
            }
        }
    }

    private boolean handleIo() throws InterruptedException {
        int direction = run.get(KvmLayout.RUN_IO_DIRECTION);
        int size = run.get(KvmLayout.RUN_IO_SIZE) & 0xFF;
        int port = run.getShort(KvmLayout.RUN_IO_PORT) & 0xFFFF;
        int count = run.getInt(KvmLayout.RUN_IO_COUNT);
        int dataOffset = (int) run.getLong(KvmLayout.RUN_IO_DATA_OFFSET);
        byte[] data = new byte[size * count];
        if (direction == KvmConstants.KVM_EXIT_IO_OUT) {
            run.get(dataOffset, data);
            if (ports.blocks(port) && completeBeforeWait.getAsBoolean()) {
                // While protected, a WAIT that blocks usually lasts until an epoch is acknowledged,
                // and that epoch's pause comes first: completing the OUT now (immediate_exit, no
                // guest code runs) takes its KVM_RUN out of the pause, into time the guest waits anyway.
                completePendingExit();
                vcpu.setImmediateExit(false); // the loop re-checks stopRequested before the next KVM_RUN
            }
            return ports.out(vcpu.id(), port, size, count, data);
        }
        ports.in(port, data);
        run.put(dataOffset, data);
        return true;
    }

    private void handleMmio() {
        long gpa = run.getLong(KvmLayout.RUN_MMIO_PHYS_ADDR);
        int len = run.getInt(KvmLayout.RUN_MMIO_LEN);
        if (run.get(KvmLayout.RUN_MMIO_IS_WRITE) != 0) {
            long value = run.getLong(KvmLayout.RUN_MMIO_DATA);
            if (len < 8) {
                value &= (1L << (8 * len)) - 1;
            }
            mmio.write(gpa, len, value);
        } else {
            run.putLong(KvmLayout.RUN_MMIO_DATA, mmio.read(gpa, len));
        }
    }

    /**
     * The failure message of a shutdown exit. KVM on Intel (and kvm-pvm) leaves the vCPU as it was
     * at the triple fault, so its RIP is where the guest failed. KVM on AMD resets the vCPU on a
     * shutdown intercept: its RIP is then the reset vector, and the faulting RIP is unknowable
     * here, so the message says so instead of naming an address the guest never ran.
     */
    private String tripleFault() {
        if (vcpu.inResetState()) {
            return "guest triple-faulted; the faulting rip is unknown: KVM reset the vCPU at the shutdown"
                    + " (as it does on AMD), so its rip is the reset vector 0xfff0";
        }
        return String.format("guest triple-faulted at rip=0x%x", vcpu.rip());
    }

    private String internalError() {
        int suberror = run.getInt(KvmLayout.RUN_INTERNAL_SUBERROR);
        int ndata = Math.min(run.getInt(KvmLayout.RUN_INTERNAL_NDATA), 16);
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < ndata; i++) {
            data.append(i == 0 ? "" : " ").append(String.format("0x%x", run.getLong(KvmLayout.RUN_INTERNAL_DATA + 8 * i)));
        }
        String kind = suberror == KvmConstants.KVM_INTERNAL_ERROR_EMULATION ? " (instruction emulation failed)" : "";
        return String.format("KVM internal error, suberror %d%s, at rip=0x%x, data [%s]", suberror, kind, vcpu.rip(), data);
    }
}
