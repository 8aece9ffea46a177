package org.kemari.policy.failover.internal;

import java.util.concurrent.TimeUnit;

import org.kemari.api.policy.FailoverDecision;
import org.kemari.api.policy.FailoverPolicy;
import org.kemari.api.policy.HealthView;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Takes over when nothing has been heard from the primary for the timeout, or when the link
 * is gone. The default policy (highest ranking). Without a witness it cannot tell a dead primary
 * from a partition: use it where the replication link and the clients' network share fate.
 */
@Component(service = FailoverPolicy.class, configurationPid = HeartbeatTimeoutFailoverPolicy.PID, property = {
    FailoverPolicy.NAME_PROPERTY + "=" + HeartbeatTimeoutFailoverPolicy.NAME,
    "service.ranking:Integer=100"})
@Designate(ocd = HeartbeatTimeoutFailoverPolicy.Config.class)
public class HeartbeatTimeoutFailoverPolicy implements FailoverPolicy {
    static final String NAME = "heartbeat";
    static final String PID = "org.kemari.policy.failover.heartbeat";
    static final long MIN_TIMEOUT_MILLIS = 20;
    static final long MAX_TIMEOUT_MILLIS = 600_000;

    @ObjectClassDefinition(name = "Kemari heartbeat-timeout failover policy")
    public @interface Config {
        @AttributeDefinition(description = "Silence from the primary after which the standby takes over, in milliseconds (20 .. 600000)")
        long timeoutMillis() default 200;
    }

    private volatile long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(200);

    public HeartbeatTimeoutFailoverPolicy() {
    }

    /** Outside OSGi (tests). */
    public HeartbeatTimeoutFailoverPolicy(long timeoutMillis) {
        timeoutNanos = validate(timeoutMillis);
    }

    @Activate
    @Modified
    void configure(Config config) {
        timeoutNanos = validate(config.timeoutMillis());
    }

    private static long validate(long millis) {
        if (millis < MIN_TIMEOUT_MILLIS || millis > MAX_TIMEOUT_MILLIS) {
            throw new IllegalArgumentException("timeoutMillis must be between " + MIN_TIMEOUT_MILLIS + " and "
                    + MAX_TIMEOUT_MILLIS + ", got " + millis);
        }
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FailoverDecision decide(HealthView health) {
        if (health.operatorRequested()) {
            return Decisions.operator(health);
        }
        if (!health.hasCommittedState()) {
            return FailoverDecision.stay("no committed epoch yet: nothing to take over from");
        }
        long silentMillis = TimeUnit.NANOSECONDS.toMillis(health.nanosSinceLastHeartbeat());
        if (!health.linkUp()) {
            return FailoverDecision.takeOver("link to the primary lost (silent for " + silentMillis + " ms)");
        }
        if (health.nanosSinceLastHeartbeat() > timeoutNanos) {
            return FailoverDecision.takeOver("no heartbeat from the primary for " + silentMillis + " ms (timeout "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms)");
        }
        return FailoverDecision.stay("primary is alive");
    }
}
