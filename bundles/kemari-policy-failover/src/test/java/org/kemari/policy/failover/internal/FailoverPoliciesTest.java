package org.kemari.policy.failover.internal;

import static org.junit.Assert.assertEquals;

import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.kemari.api.policy.FailoverDecision.Action;
import org.kemari.api.policy.HealthView;

public class FailoverPoliciesTest {

    private static HealthView health(boolean linkUp, long silentMillis, long committed, boolean operator) {
        return new HealthView("vm1", linkUp, TimeUnit.MILLISECONDS.toNanos(silentMillis), committed, operator);
    }

    @Test
    public void heartbeatPolicyTakesOverAfterTheTimeoutOnly() {
        HeartbeatTimeoutFailoverPolicy p = new HeartbeatTimeoutFailoverPolicy(200);
        assertEquals(Action.STAY_STANDBY, p.decide(health(true, 150, 5, false)).action());
        var decision = p.decide(health(true, 250, 5, false));
        assertEquals(Action.TAKE_OVER, decision.action());
        assertEquals("no heartbeat from the primary for 250 ms (timeout 200 ms)", decision.reason());
        assertEquals(Action.TAKE_OVER, p.decide(health(false, 5, 5, false)).action());
    }

    @Test
    public void noPolicyTakesOverWithoutACommittedEpoch() {
        assertEquals(Action.STAY_STANDBY, new HeartbeatTimeoutFailoverPolicy(200).decide(health(false, 10_000, -1, true)).action());
        assertEquals(Action.STAY_STANDBY, new ManualFailoverPolicy().decide(health(false, 10_000, -1, true)).action());
    }

    @Test
    public void manualPolicyWaitsForTheOperator() {
        ManualFailoverPolicy p = new ManualFailoverPolicy();
        assertEquals(Action.STAY_STANDBY, p.decide(health(false, 10_000, 3, false)).action());
        assertEquals(Action.TAKE_OVER, p.decide(health(true, 0, 3, true)).action());
    }

    @Test
    public void badTimeoutIsRefusedWithTheRange() {
        try {
            new HeartbeatTimeoutFailoverPolicy(5);
            org.junit.Assert.fail();
        } catch (IllegalArgumentException e) {
            assertEquals("timeoutMillis must be between 20 and 600000, got 5", e.getMessage());
        }
    }
}
