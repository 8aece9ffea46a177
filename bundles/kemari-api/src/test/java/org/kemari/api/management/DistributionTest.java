package org.kemari.api.management;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import org.junit.Test;

public class DistributionTest {

    @Test
    public void percentilesMustRise() {
        assertEquals("not a distribution: count 3, p50 10, p90 5, p99 20, max 30",
                assertThrows(IllegalArgumentException.class, () -> new Distribution(3, 10, 5, 20, 30)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Distribution(-1, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Distribution(3, 1, 2, 3, 2));
        assertEquals(5, new Distribution(3, 1, 2, 3, 5).max());
    }
}
