package org.kemari.hv.kvm.internal;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.StateRecord;
import org.kemari.hv.kvm.internal.bus.GuestEvents;

/**
 * COM1 as a 16450 UART (no FIFO): what Linux's 8250 driver needs to find the port and use it as
 * its console. Transmitted bytes go to the console at once (the line is always ready: THRE and
 * TEMT set); nothing is ever received. The transmit-empty interrupt is raised on IRQ 4 when the
 * driver enables it and after every byte while enabled, and cleared by reading IIR, as on the chip.
 * The modem-control loopback the driver's probe checks is modelled; the baud divisor is stored only.
 */
final class Serial8250 {
    static final int BASE = 0x3F8;
    static final int IRQ = 4;
    static final String KIND = "kvm.serial";
    static final int VERSION = 1;
    /** "SER1". */
    private static final int MAGIC = 0x53455231;

    private static final int IER_THRI = 0x02;
    private static final int LCR_DLAB = 0x80;
    private static final int MCR_LOOP = 0x10;
    private static final int IIR_NONE = 0x01, IIR_THRI = 0x02;
    private static final int LSR_THRE = 0x20, LSR_TEMT = 0x40;
    /** Modem status with the lines a null-modem console shows: CTS, DSR, DCD. */
    private static final int MSR_IDLE = 0xB0;

    private final ConsoleCollector console;
    private final GuestEvents irq;
    private int ier, lcr, mcr, scratch, divisorLow, divisorHigh;
    private boolean thriPending;

    Serial8250(ConsoleCollector console, GuestEvents irq) {
        this.console = console;
        this.irq = irq;
    }

    static boolean claims(int port) {
        return port >= BASE && port < BASE + 8;
    }

    void out(int port, int value) {
        boolean raise;
        synchronized (this) {
            raise = write(port - BASE, value & 0xFF);
        }
        if (raise) {
            irq.signal();
        }
    }

    /** Returns whether the interrupt must be raised. */
    private boolean write(int reg, int value) {
        boolean dlab = (lcr & LCR_DLAB) != 0;
        switch (reg) {
            case 0 -> {
                if (dlab) {
                    divisorLow = value;
                    return false;
                }
                if ((mcr & MCR_LOOP) == 0) {
                    console.write(new byte[] {(byte) value}, 0, 1);
                }
                return transmitEmpty();
            }
            case 1 -> {
                if (dlab) {
                    divisorHigh = value;
                    return false;
                }
                ier = value & 0x0F;
                thriPending = false;
                return transmitEmpty();
            }
            case 3 -> lcr = value;
            case 4 -> mcr = value & 0x1F;
            case 7 -> scratch = value;
            default -> { } // FCR (no FIFO to enable), LSR and MSR are read-only
        }
        return false;
    }

    /** The holding register is empty again: interrupt if the driver asked for that. */
    private boolean transmitEmpty() {
        if ((ier & IER_THRI) != 0) {
            thriPending = true;
            return true;
        }
        return false;
    }

    synchronized int in(int port) {
        boolean dlab = (lcr & LCR_DLAB) != 0;
        return switch (port - BASE) {
            case 0 -> dlab ? divisorLow : 0;
            case 1 -> dlab ? divisorHigh : ier;
            case 2 -> {
                if (thriPending && (ier & IER_THRI) != 0) {
                    thriPending = false;
                    yield IIR_THRI;
                }
                yield IIR_NONE;
            }
            case 3 -> lcr;
            case 4 -> mcr;
            case 5 -> LSR_THRE | LSR_TEMT;
            case 6 -> modemStatus();
            case 7 -> scratch;
            default -> 0xFF;
        };
    }

    /** In loopback the outputs feed the inputs: RTS→CTS, DTR→DSR, OUT1→RI, OUT2→DCD. */
    private int modemStatus() {
        if ((mcr & MCR_LOOP) == 0) {
            return MSR_IDLE;
        }
        return ((mcr & 0x02) << 3) | ((mcr & 0x01) << 5) | ((mcr & 0x04) << 4) | ((mcr & 0x08) << 4);
    }

    synchronized StateRecord save() {
        byte[] payload = StateCodec.encode(MAGIC, out -> {
            out.writeByte(ier);
            out.writeByte(lcr);
            out.writeByte(mcr);
            out.writeByte(scratch);
            out.writeByte(divisorLow);
            out.writeByte(divisorHigh);
            out.writeBoolean(thriPending);
        });
        return new StateRecord(KIND, "com1", VERSION, payload);
    }

    synchronized void restore(StateRecord record) throws HypervisorException {
        if (record.version() != VERSION) {
            throw StateCodec.bad(KIND + ": version " + record.version() + " is not supported (this backend reads version " + VERSION + ")");
        }
        var in = StateCodec.decode(record.payload(), MAGIC, KIND);
        try {
            ier = in.readUnsignedByte();
            lcr = in.readUnsignedByte();
            mcr = in.readUnsignedByte();
            scratch = in.readUnsignedByte();
            divisorLow = in.readUnsignedByte();
            divisorHigh = in.readUnsignedByte();
            thriPending = in.readBoolean();
        } catch (java.io.IOException e) {
            throw StateCodec.bad(KIND + ": truncated payload (" + e.getMessage() + ")");
        }
    }
}
