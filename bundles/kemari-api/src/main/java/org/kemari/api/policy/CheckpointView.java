package org.kemari.api.policy;

/**
 * What the engine knows when it asks whether to take an epoch now.
 *
 * @param nanosSinceLastEpoch time since the last epoch was captured (or since protection began)
 * @param heldOutputs outputs waiting for an epoch
 * @param nanosSinceOldestHeldOutput how long the oldest waiting output has waited (0 if none)
 * @param epochInFlight whether an epoch is captured but not yet acknowledged
 */
public record CheckpointView(long nanosSinceLastEpoch, int heldOutputs,
                             long nanosSinceOldestHeldOutput, boolean epochInFlight) {
}
