package org.kemari.policy.checkpoint.internal;

import org.kemari.api.policy.CheckpointPolicy;
import org.kemari.api.policy.CheckpointView;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Event-driven with bounds: waiting output triggers an epoch, but not sooner than the minimum
 * interval after the last one (bursts coalesce), and an epoch is taken at least every maximum
 * interval even without output (so the standby never falls far behind a VM that computes
 * silently for a long time, and a later epoch stays small).
 */
@Component(service = CheckpointPolicy.class, configurationPid = HybridCheckpointPolicy.PID,
        property = CheckpointPolicy.NAME_PROPERTY + "=" + HybridCheckpointPolicy.NAME)
@Designate(ocd = HybridCheckpointPolicy.Config.class)
public class HybridCheckpointPolicy implements CheckpointPolicy {
    static final String NAME = "hybrid";
    static final String PID = "org.kemari.policy.checkpoint.hybrid";

    @ObjectClassDefinition(name = "Kemari hybrid checkpoint policy")
    public @interface Config {
        @AttributeDefinition(description = "Least time between epochs, in microseconds (0 .. 10,000,000)")
        long minIntervalMicros() default 0;

        @AttributeDefinition(description = "Most time between epochs, in microseconds (100 .. 10,000,000); must be ≥ the minimum")
        long maxIntervalMicros() default 100_000;
    }

    private volatile long minNanos;
    private volatile long maxNanos = 100_000_000L;

    public HybridCheckpointPolicy() {
    }

    /** Outside OSGi (tests, benchmarks). */
    public HybridCheckpointPolicy(long minIntervalMicros, long maxIntervalMicros) {
        set(minIntervalMicros, maxIntervalMicros);
    }

    @Activate
    @Modified
    void configure(Config config) {
        set(config.minIntervalMicros(), config.maxIntervalMicros());
    }

    private void set(long minMicros, long maxMicros) {
        long min = minMicros == 0 ? 0 : Intervals.micros("minIntervalMicros", minMicros);
        long max = Intervals.micros("maxIntervalMicros", maxMicros);
        if (min > max) {
            throw new IllegalArgumentException("minIntervalMicros (" + minMicros + ") must not exceed maxIntervalMicros ("
                    + maxMicros + ")");
        }
        minNanos = min;
        maxNanos = max;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long nanosUntilNextEpoch(CheckpointView view) {
        long since = view.nanosSinceLastEpoch();
        long wait = view.heldOutputs() > 0 ? minNanos - since : maxNanos - since;
        return Math.max(0, wait);
    }
}
