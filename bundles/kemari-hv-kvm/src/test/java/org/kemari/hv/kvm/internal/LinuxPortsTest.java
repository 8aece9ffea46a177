package org.kemari.hv.kvm.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.Test;
import org.kemari.api.hv.StateRecord;

/** COM1, the CMOS clock and the reset line as Linux's drivers use them, without a hypervisor. */
public class LinuxPortsTest {
    private final List<String> lines = new ArrayList<>();
    private final AtomicInteger interrupts = new AtomicInteger();
    private final Serial8250 serial = new Serial8250(new ConsoleCollector(lines::add), interrupts::incrementAndGet);

    @Test
    public void the8250ProbeFindsAUartAndTransmittedLinesReachTheConsole() {
        serial.out(0x3F9, 0x0F); // IER test: the low four bits read back
        assertEquals(0x0F, serial.in(0x3F9));
        serial.out(0x3F9, 0);
        assertEquals("enabling THRI (bit 1 of 0x0F) raised it once, as on the chip", 1, interrupts.get());
        serial.out(0x3FC, 0x1A); // loopback with RTS and OUT2: CTS and DCD
        assertEquals(0x90, serial.in(0x3FE) & 0xF0);
        serial.out(0x3FC, 0x0B);
        for (char c : "hello\r\nworld".toCharArray()) {
            serial.out(0x3F8, c);
        }
        assertEquals(List.of("hello"), lines);
        assertEquals("THRE and TEMT: always ready", 0x60, serial.in(0x3FD));
        assertEquals("with THRI off, sending raises nothing", 1, interrupts.get());
    }

    @Test
    public void theTransmitEmptyInterruptIsRaisedWhenEnabledAndClearedByReadingIir() {
        serial.out(0x3F9, 0x02);
        assertEquals(1, interrupts.get());
        assertEquals("THRE pending", 0x02, serial.in(0x3FA));
        assertEquals("cleared by that read", 0x01, serial.in(0x3FA));
        serial.out(0x3F8, 'x');
        assertEquals("again after each byte", 2, interrupts.get());
        StateRecord saved = serial.save();
        Serial8250 restored = new Serial8250(new ConsoleCollector(lines::add), interrupts::incrementAndGet);
        try {
            restored.restore(saved);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertEquals("the pending interrupt and IER survive a restore", 0x02, restored.in(0x3FA));
        assertEquals(0x02, restored.in(0x3F9));
    }

    @Test
    public void theCmosClockReadsTheTimeInBcd() {
        CmosClock cmos = new CmosClock(Clock.fixed(Instant.parse("2026-12-02T17:33:59Z"), ZoneOffset.UTC));
        int[][] expected = {{0x00, 0x59}, {0x02, 0x33}, {0x04, 0x17}, {0x07, 0x02}, {0x08, 0x12}, {0x09, 0x26}, {0x32, 0x20},
            {0x0A, 0x26}, {0x0B, 0x02}, {0x0D, 0x80}};
        for (int[] e : expected) {
            cmos.select(e[0] | 0x80); // with the NMI-mask bit, as Linux writes it
            assertEquals("register 0x" + Integer.toHexString(e[0]), e[1], cmos.read());
        }
    }

    @Test
    public void theKeyboardControllersResetLineEndsTheGuest() {
        List<String> stopped = new ArrayList<>();
        LinuxPorts ports = new LinuxPorts("vm", serial, new VmEvents() {
            @Override
            public void guestReport(int vcpu, long sequence) {
            }

            @Override
            public void guestStopped(String reason) {
                stopped.add(reason);
            }

            @Override
            public void guestFailed(String reason) {
            }
        });
        byte[] status = new byte[1];
        ports.in(0x64, status);
        assertEquals("buffers empty: a reboot's wait ends", 0, status[0]);
        byte[] unknown = new byte[2];
        ports.in(0xCF8, unknown);
        assertEquals("an empty bus reads all ones", (byte) 0xFF, unknown[1]);
        assertTrue(ports.out(0, 0x64, 1, 1, new byte[] {(byte) 0xAD}));
        assertFalse("0xFE pulses reset: the vCPU stops", ports.out(0, 0x64, 1, 1, new byte[] {(byte) 0xFE}));
        assertEquals(1, stopped.size());
        assertTrue(stopped.get(0), stopped.get(0).startsWith("the guest reset itself"));
    }
}
