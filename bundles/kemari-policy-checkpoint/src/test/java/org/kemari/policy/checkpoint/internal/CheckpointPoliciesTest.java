package org.kemari.policy.checkpoint.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.Test;
import org.kemari.api.policy.CheckpointPolicy;
import org.kemari.api.policy.CheckpointView;

public class CheckpointPoliciesTest {

    private static CheckpointView view(long sinceLastMicros, int held) {
        return new CheckpointView(sinceLastMicros * 1000, held, held > 0 ? 1000 : 0, false);
    }

    @Test
    public void eventDrivenTakesAnEpochExactlyWhenOutputWaits() {
        EventDrivenCheckpointPolicy p = new EventDrivenCheckpointPolicy();
        assertEquals(0, p.nanosUntilNextEpoch(view(0, 1)));
        assertEquals(CheckpointPolicy.NO_EPOCH_NEEDED, p.nanosUntilNextEpoch(view(1_000_000, 0)));
    }

    @Test
    public void periodicWaitsForTheIntervalWhateverTheOutput() {
        PeriodicCheckpointPolicy p = new PeriodicCheckpointPolicy(25_000);
        assertEquals(15_000_000, p.nanosUntilNextEpoch(view(10_000, 3)));
        assertEquals(15_000_000, p.nanosUntilNextEpoch(view(10_000, 0)));
        assertEquals(0, p.nanosUntilNextEpoch(view(30_000, 0)));
    }

    @Test
    public void hybridCoalescesBurstsAndBoundsSilence() {
        HybridCheckpointPolicy p = new HybridCheckpointPolicy(500, 50_000);
        assertEquals(300_000, p.nanosUntilNextEpoch(view(200, 1)));
        assertEquals(0, p.nanosUntilNextEpoch(view(600, 1)));
        assertEquals(40_000_000, p.nanosUntilNextEpoch(view(10_000, 0)));
        assertEquals(0, p.nanosUntilNextEpoch(view(60_000, 0)));
    }

    @Test
    public void badIntervalsNameThePropertyAndRange() {
        try {
            new PeriodicCheckpointPolicy(5);
            org.junit.Assert.fail();
        } catch (IllegalArgumentException e) {
            assertEquals("intervalMicros must be between 100 and 10000000 microseconds, got 5", e.getMessage());
        }
        try {
            new HybridCheckpointPolicy(9_000, 1_000);
            org.junit.Assert.fail();
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("minIntervalMicros (9000) must not exceed"));
        }
    }
}
