package org.kemari.hv.kvm.internal;

import java.time.Clock;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The port space of a Linux guest: COM1, the CMOS clock, and of the keyboard controller only its
 * reset line (a reboot, or panic=-1 after a panic, pulses it). The PIC, PIT and speaker ports are
 * answered in the kernel and never reach here. Anything else a booting kernel probes (VGA, PCI
 * configuration, the keyboard controller's data) reads as an empty ISA bus (all ones) and ignores
 * writes, so Linux finds no such device. Unknown ports are logged once each, at debug level:
 * probing is normal.
 */
final class LinuxPorts implements IoPorts {
    private static final Logger LOG = LoggerFactory.getLogger(LinuxPorts.class);
    private static final int I8042_COMMAND = 0x64;
    /** The keyboard controller command that pulses the CPU reset line. */
    private static final int I8042_RESET = 0xFE;

    private final String vmName;
    private final Serial8250 serial;
    private final CmosClock cmos = new CmosClock(Clock.systemUTC());
    private final VmEvents events;
    private final Set<Integer> seen = ConcurrentHashMap.newKeySet();

    LinuxPorts(String vmName, Serial8250 serial, VmEvents events) {
        this.vmName = vmName;
        this.serial = serial;
        this.events = events;
    }

    @Override
    public boolean out(int vcpu, int port, int size, int count, byte[] data) {
        for (int i = 0; i < count; i++) {
            int value = data[i * size] & 0xFF;
            if (Serial8250.claims(port)) {
                serial.out(port, value);
            } else if (port == CmosClock.INDEX_PORT) {
                cmos.select(value);
            } else if (port == I8042_COMMAND && value == I8042_RESET) {
                events.guestStopped("the guest reset itself (a reboot, or panic=-1 after a kernel panic: see its console);"
                        + " the KVM backend does not restart guests");
                return false;
            } else {
                unknown(port);
            }
        }
        return true;
    }

    @Override
    public void in(int port, byte[] data) {
        int value;
        if (Serial8250.claims(port)) {
            value = serial.in(port);
        } else if (port == CmosClock.DATA_PORT) {
            value = cmos.read();
        } else if (port == I8042_COMMAND) {
            value = 0; // status: both buffers empty, so a reboot's wait for the controller ends at once
        } else {
            value = 0xFF;
            unknown(port);
        }
        Arrays.fill(data, (byte) value);
    }

    private void unknown(int port) {
        if (seen.add(port) && LOG.isDebugEnabled()) {
            LOG.debug("VM {}: no device at I/O port 0x{}", vmName, Integer.toHexString(port));
        }
    }
}
