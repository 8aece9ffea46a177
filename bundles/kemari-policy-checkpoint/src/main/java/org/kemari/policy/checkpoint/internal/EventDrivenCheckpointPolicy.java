package org.kemari.policy.checkpoint.internal;

import org.kemari.api.policy.CheckpointPolicy;
import org.kemari.api.policy.CheckpointView;
import org.osgi.service.component.annotations.Component;

/**
 * Kemari's own policy and the default: an epoch as soon as output is waiting, none otherwise.
 * Ranked above the other checkpoint policies so it wins unless configuration says otherwise.
 */
@Component(service = CheckpointPolicy.class, property = {
    CheckpointPolicy.NAME_PROPERTY + "=" + EventDrivenCheckpointPolicy.NAME,
    "service.ranking:Integer=100"})
public class EventDrivenCheckpointPolicy implements CheckpointPolicy {
    static final String NAME = "event-driven";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long nanosUntilNextEpoch(CheckpointView view) {
        return view.heldOutputs() > 0 ? 0 : NO_EPOCH_NEEDED;
    }
}
