package org.kemari.core.internal.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.Test;
import org.kemari.api.management.Distribution;

public class RecordedDistributionTest {

    @Test
    public void nothingRecordedIsEmpty() {
        assertEquals(Distribution.EMPTY, new RecordedDistribution(1_000_000).summary(1));
    }

    @Test
    public void percentilesOfOneToAThousand() {
        RecordedDistribution d = new RecordedDistribution(1_000_000_000L);
        for (long v = 1; v <= 1000; v++) {
            d.record(v * 1000); // ns
        }
        Distribution s = d.summary(1000); // µs
        assertEquals(1000, s.count());
        // HdrHistogram with 3 significant digits: within 0.1 %.
        assertTrue(s.toString(), Math.abs(s.p50() - 500) <= 1 && Math.abs(s.p90() - 900) <= 1
                && Math.abs(s.p99() - 990) <= 1 && Math.abs(s.max() - 1000) <= 1);
    }

    @Test
    public void summariesAccumulateAcrossReads() {
        RecordedDistribution d = new RecordedDistribution(1_000_000);
        d.record(10);
        assertEquals(1, d.summary(1).count());
        d.record(20);
        d.record(30);
        Distribution s = d.summary(1);
        assertEquals(3, s.count());
        assertEquals(20, s.p50());
        assertEquals(30, s.max());
    }

    @Test
    public void valuesOutOfRangeCountAtTheEdges() {
        RecordedDistribution d = new RecordedDistribution(1_000_000);
        d.record(-5);
        d.record(Long.MAX_VALUE);
        Distribution s = d.summary(1);
        assertEquals(2, s.count());
        assertEquals(0, s.p50());
        assertTrue(s.toString(), s.max() >= 1_000_000 && s.max() <= 1_001_000);
    }
}
