package org.kemari.hv.kvm.internal;

import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ABI's I/O ports: CONSOLE, WAIT, REPORT, PANIC, EXIT. Unknown ports read all ones and ignore
 * writes (logged once).
 */
final class GuestPorts implements IoPorts {
    private static final Logger LOG = LoggerFactory.getLogger(GuestPorts.class);

    private final String vmName;
    private final ConsoleCollector console;
    private final WaitDoorbell doorbell;
    private final RunControl control;
    private final GuestRam ram;
    private final VmEvents events;
    private final AtomicBoolean unknownLogged = new AtomicBoolean();

    GuestPorts(String vmName, ConsoleCollector console, WaitDoorbell doorbell, RunControl control, GuestRam ram, VmEvents events) {
        this.vmName = vmName;
        this.console = console;
        this.doorbell = doorbell;
        this.control = control;
        this.ram = ram;
        this.events = events;
    }

    /**
     * An {@code out} of {@code count} items of {@code size} bytes in {@code data}.
     *
     * @return false if the guest ended (PANIC, EXIT) and the vCPU must stop
     */
    @Override
    public boolean out(int vcpu, int port, int size, int count, byte[] data) throws InterruptedException {
        switch (port) {
            case GuestAbi.PORT_CONSOLE -> console.write(data, 0, size * count);
            case GuestAbi.PORT_WAIT -> doorbell.await(Integer.toUnsignedLong(value(data, size)), control::stopRequested);
            case GuestAbi.PORT_REPORT -> {
                for (int i = 0; i < count; i++) {
                    events.guestReport(vcpu, Integer.toUnsignedLong(valueAt(data, size, i)));
                }
            }
            case GuestAbi.PORT_PANIC -> {
                console.flush();
                events.guestFailed(panicMessage(Integer.toUnsignedLong(value(data, size))));
                return false;
            }
            case GuestAbi.PORT_EXIT -> {
                console.flush();
                events.guestStopped("guest exited with code " + value(data, size));
                return false;
            }
            default -> unknown("out to", port);
        }
        return true;
    }

    /** An {@code in}: nothing readable is defined by the ABI, so all ones. */
    @Override
    public void in(int port, byte[] data) {
        java.util.Arrays.fill(data, (byte) 0xFF);
        unknown("in from", port);
    }

    @Override
    public boolean blocks(int port) {
        return port == GuestAbi.PORT_WAIT;
    }

    private String panicMessage(long code) {
        long rip = ram.getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_PANIC_RIP);
        long error = ram.getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_PANIC_ERROR);
        long cr2 = ram.getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_PANIC_CR2);
        return String.format("guest panic 0x%x (%s): panic_rip=0x%x panic_error=0x%x panic_cr2=0x%x",
                code, GuestAbi.panicText(code), rip, error, cr2);
    }

    private void unknown(String what, int port) {
        if (unknownLogged.compareAndSet(false, true)) {
            LOG.warn("VM {}: {} unknown I/O port 0x{} (ignored; logged once)", vmName, what, Integer.toHexString(port));
        }
    }

    private static int value(byte[] data, int size) {
        return valueAt(data, size, 0);
    }

    private static int valueAt(byte[] data, int size, int index) {
        int v = 0;
        for (int i = 0; i < Math.min(size, 4); i++) {
            v |= (data[index * size + i] & 0xFF) << (8 * i);
        }
        return v;
    }
}
