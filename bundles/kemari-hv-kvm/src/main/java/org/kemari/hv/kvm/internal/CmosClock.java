package org.kemari.hv.kvm.internal;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * The CMOS real-time clock at ports 0x70 (index) and 0x71 (data), read-only: the host's UTC time
 * in BCD, 24-hour mode, never "update in progress". Enough for Linux to read the date at boot
 * (without it, its rtc_cmos probe spins for seconds on a missing chip); kvmclock keeps time after.
 */
final class CmosClock {
    static final int INDEX_PORT = 0x70, DATA_PORT = 0x71;
    /** Register A: 32.768 kHz time base, 1024 Hz rate, UIP clear. */
    private static final int REG_A = 0x26;
    /** Register B: 24-hour mode, BCD, no interrupts enabled. */
    private static final int REG_B = 0x02;
    /** Register D: the battery is good (valid RAM and time). */
    private static final int REG_D = 0x80;

    private final Clock clock;
    private int index;

    CmosClock(Clock clock) {
        this.clock = clock;
    }

    synchronized void select(int value) {
        index = value & 0x7F; // bit 7 is the NMI mask
    }

    synchronized int read() {
        ZonedDateTime now = ZonedDateTime.now(clock).withZoneSameInstant(ZoneOffset.UTC);
        return switch (index) {
            case 0x00 -> bcd(now.getSecond());
            case 0x02 -> bcd(now.getMinute());
            case 0x04 -> bcd(now.getHour());
            case 0x06 -> bcd(now.getDayOfWeek().getValue() % 7 + 1);
            case 0x07 -> bcd(now.getDayOfMonth());
            case 0x08 -> bcd(now.getMonthValue());
            case 0x09 -> bcd(now.getYear() % 100);
            case 0x32 -> bcd(now.getYear() / 100);
            case 0x0A -> REG_A;
            case 0x0B -> REG_B;
            case 0x0D -> REG_D;
            default -> 0; // alarms, register C (no interrupt flags), CMOS RAM: empty
        };
    }

    private static int bcd(int value) {
        return (value / 10) << 4 | value % 10;
    }
}
