package org.kemari.example.policy;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import org.junit.Test;
import org.kemari.api.policy.CheckpointPolicy;
import org.kemari.api.policy.CheckpointView;

public class BatchingCheckpointPolicyTest {
    private final BatchingCheckpointPolicy policy = new BatchingCheckpointPolicy(2_000, 4);

    private static CheckpointView waiting(int outputs, long oldestMicros) {
        return new CheckpointView(10_000_000, outputs, oldestMicros * 1000, false);
    }

    @Test
    public void noOutputNoEpoch() {
        assertEquals(CheckpointPolicy.NO_EPOCH_NEEDED, policy.nanosUntilNextEpoch(waiting(0, 0)));
    }

    @Test
    public void anOutputWaitsUntilTheDelayIsUsedUp() {
        assertEquals(1_500_000, policy.nanosUntilNextEpoch(waiting(1, 500)));
        assertEquals(0, policy.nanosUntilNextEpoch(waiting(1, 2_500)));
    }

    @Test
    public void enoughOutputsStartTheEpochAtOnce() {
        assertEquals(0, policy.nanosUntilNextEpoch(waiting(4, 10)));
    }

    @Test
    public void badSettingsAreRefusedByName() {
        assertEquals("maxDelayMicros must be 1..1000000, got 0",
                assertThrows(IllegalArgumentException.class, () -> new BatchingCheckpointPolicy(0, 4)).getMessage());
        assertEquals("maxOutputs must be 1..100000, got 0",
                assertThrows(IllegalArgumentException.class, () -> new BatchingCheckpointPolicy(10, 0)).getMessage());
    }
}
