package org.kemari.core.internal.engine;

import static org.junit.Assert.assertEquals;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Test;

public class InitialCopyProgressTest {
    private static final long MIB = 1 << 20;
    private final AtomicLong sent = new AtomicLong();
    private final InitialCopyProgress progress = new InitialCopyProgress(128 * MIB, sent::get, 0);

    private static long seconds(long s) {
        return TimeUnit.SECONDS.toNanos(s);
    }

    @Test
    public void nothingSentYet() {
        assertEquals("initial copy: 0.0 of about 128.0 MiB sent (0 %), 0.0 MiB/s", progress.describe(seconds(1)));
    }

    @Test
    public void rateAndTimeLeft() {
        sent.set(32 * MIB);
        assertEquals("initial copy: 32.0 of about 128.0 MiB sent (25 %), 16.0 MiB/s, about 6 s left", progress.describe(seconds(2)));
    }

    @Test
    public void moreThanExpectedStaysBelowAHundredPercentWithoutATimeLeft() {
        // Pages dirtied during pre-copy go again: the copy can outgrow the guest's memory.
        sent.set(140 * MIB);
        assertEquals("initial copy: 140.0 of about 128.0 MiB sent (99 %), 14.0 MiB/s", progress.describe(seconds(10)));
    }
}
