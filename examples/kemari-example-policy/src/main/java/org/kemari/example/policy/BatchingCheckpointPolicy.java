package org.kemari.example.policy;

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
 * An example plugin: outputs are batched into one epoch until {@code maxOutputs} wait or the
 * oldest has waited {@code maxDelayMicros} — fewer, larger epochs than event-driven, for a guest
 * that emits many small outputs in bursts, at the price of that much more latency. Chosen with
 * {@code checkpointPolicy.target = (kemari.checkpoint=batching)}.
 */
@Component(service = CheckpointPolicy.class, configurationPid = BatchingCheckpointPolicy.PID,
        property = CheckpointPolicy.NAME_PROPERTY + "=" + BatchingCheckpointPolicy.NAME)
@Designate(ocd = BatchingCheckpointPolicy.Config.class)
public class BatchingCheckpointPolicy implements CheckpointPolicy {
    static final String NAME = "batching";
    static final String PID = "org.kemari.example.policy.batching";

    @ObjectClassDefinition(name = "Kemari example: batching checkpoint policy")
    public @interface Config {
        @AttributeDefinition(description = "Most time an output waits for its epoch to start, in µs (1 .. 1,000,000)")
        long maxDelayMicros() default 2_000;

        @AttributeDefinition(description = "Outputs that start an epoch at once (1 .. 100,000)")
        int maxOutputs() default 64;
    }

    private volatile long maxDelayNanos = TimeUnit.MICROSECONDS.toNanos(2_000);
    private volatile int maxOutputs = 64;

    public BatchingCheckpointPolicy() {
    }

    BatchingCheckpointPolicy(long maxDelayMicros, int maxOutputs) {
        set(maxDelayMicros, maxOutputs);
    }

    @Activate
    @Modified
    void configure(Config config) {
        set(config.maxDelayMicros(), config.maxOutputs());
    }

    private void set(long delayMicros, int outputs) {
        if (delayMicros < 1 || delayMicros > 1_000_000) {
            throw new IllegalArgumentException("maxDelayMicros must be 1..1000000, got " + delayMicros);
        }
        if (outputs < 1 || outputs > 100_000) {
            throw new IllegalArgumentException("maxOutputs must be 1..100000, got " + outputs);
        }
        maxDelayNanos = TimeUnit.MICROSECONDS.toNanos(delayMicros);
        maxOutputs = outputs;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long nanosUntilNextEpoch(CheckpointView view) {
        if (view.heldOutputs() == 0) {
            return NO_EPOCH_NEEDED;
        }
        if (view.heldOutputs() >= maxOutputs) {
            return 0;
        }
        return Math.max(0, maxDelayNanos - view.nanosSinceOldestHeldOutput());
    }
}
