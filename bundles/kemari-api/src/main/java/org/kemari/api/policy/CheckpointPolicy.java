package org.kemari.api.policy;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Decides when the engine takes an epoch: event-driven (Kemari: as soon as output is waiting),
 * periodic (Remus: at a fixed interval, output waiting until then), or a hybrid. Registered as a
 * DS service with {@value #NAME_PROPERTY}.
 */
@ConsumerType
public interface CheckpointPolicy {

    /** Service property carrying {@link #name()}. */
    String NAME_PROPERTY = "kemari.checkpoint";

    /** Returned by {@link #nanosUntilNextEpoch} when no epoch is needed until something changes. */
    long NO_EPOCH_NEEDED = Long.MAX_VALUE;

    /** A short, stable name ({@code event-driven}, {@code periodic}, {@code hybrid}). */
    String name();

    /**
     * How long the engine should wait before the next epoch: 0 means now,
     * {@link #NO_EPOCH_NEEDED} means not until new output arrives. Called whenever output
     * arrives and after every epoch. Must be fast and must not block.
     */
    long nanosUntilNextEpoch(CheckpointView view);
}
