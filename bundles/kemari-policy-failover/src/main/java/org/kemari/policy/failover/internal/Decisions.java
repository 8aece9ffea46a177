package org.kemari.policy.failover.internal;

import org.kemari.api.policy.FailoverDecision;
import org.kemari.api.policy.HealthView;

/** Decisions shared by the policies. */
final class Decisions {
    private Decisions() {
    }

    /** An operator's request is honoured when there is a committed state to run from. */
    static FailoverDecision operator(HealthView health) {
        if (!health.hasCommittedState()) {
            return FailoverDecision.stay("operator asked for failover, but no epoch has been committed yet");
        }
        return FailoverDecision.takeOver("operator requested failover");
    }
}
