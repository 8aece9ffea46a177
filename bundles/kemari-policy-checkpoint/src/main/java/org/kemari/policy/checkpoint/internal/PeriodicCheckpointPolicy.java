package org.kemari.policy.checkpoint.internal;

import java.util.concurrent.TimeUnit;

import org.kemari.api.policy.CheckpointPolicy;
import org.kemari.api.policy.CheckpointView;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Remus-style checkpoints: an epoch every interval whether or not output is waiting; output
 * waits for the next epoch. Kept for comparison with the event-driven policy.
 */
@Component(service = CheckpointPolicy.class, configurationPid = PeriodicCheckpointPolicy.PID,
        property = CheckpointPolicy.NAME_PROPERTY + "=" + PeriodicCheckpointPolicy.NAME)
@Designate(ocd = PeriodicCheckpointPolicy.Config.class)
public class PeriodicCheckpointPolicy implements CheckpointPolicy {
    static final String NAME = "periodic";
    static final String PID = "org.kemari.policy.checkpoint.periodic";

    @ObjectClassDefinition(name = "Kemari periodic checkpoint policy")
    public @interface Config {
        @AttributeDefinition(description = "Interval between epochs in microseconds (100 .. 10,000,000)")
        long intervalMicros() default 25_000;
    }

    private volatile long intervalNanos = TimeUnit.MILLISECONDS.toNanos(25);

    public PeriodicCheckpointPolicy() {
    }

    /** Outside OSGi (tests, benchmarks). */
    public PeriodicCheckpointPolicy(long intervalMicros) {
        intervalNanos = Intervals.micros("intervalMicros", intervalMicros);
    }

    @Activate
    @Modified
    void configure(Config config) {
        intervalNanos = Intervals.micros("intervalMicros", config.intervalMicros());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long nanosUntilNextEpoch(CheckpointView view) {
        return Math.max(0, intervalNanos - view.nanosSinceLastEpoch());
    }
}
