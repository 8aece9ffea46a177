package org.kemari.policy.failover.internal;

import org.kemari.api.policy.FailoverDecision;
import org.kemari.api.policy.FailoverPolicy;
import org.kemari.api.policy.HealthView;
import org.osgi.service.component.annotations.Component;

/** Takes over only when an operator asks ({@code kemari:failover}); never by itself. */
@Component(service = FailoverPolicy.class, property = FailoverPolicy.NAME_PROPERTY + "=" + ManualFailoverPolicy.NAME)
public class ManualFailoverPolicy implements FailoverPolicy {
    static final String NAME = "manual";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FailoverDecision decide(HealthView health) {
        if (health.operatorRequested()) {
            return Decisions.operator(health);
        }
        return FailoverDecision.stay(health.linkUp() ? "primary is alive" : "link to the primary is down; waiting for an operator");
    }
}
