package org.kemari.core.internal.engine;

/**
 * Where the guest's pause for one epoch went, in nanoseconds: the parts run in this order while
 * the VM is paused, and {@link #pauseNanos()} is the whole pause as the guest saw it.
 */
public record EpochTimings(long pauseVmNanos, long dirtyLogNanos, long copyNanos, long stateNanos,
                           long resumeNanos, long pauseNanos) {
}
