package org.kemari.core.internal.engine;

/**
 * Sees each epoch of a protection session as it passes (benchmarks and diagnostics). Called on
 * the engine's epoch and acknowledgement threads: implementations must be quick and thread-safe.
 */
interface EpochObserver {
    EpochObserver NONE = new EpochObserver() {
    };

    /**
     * Epoch {@code epoch} was captured: the guest's pause, the pages it carries, and how long
     * the oldest output then waiting had waited when the capture began (0 if none waited).
     */
    default void captured(long epoch, EpochTimings timings, long pages, long outputWaitNanos) {
    }

    /** Epoch {@code epoch} was handed to the link in {@code nanos} (outside the pause). */
    default void shipped(long epoch, long nanos) {
    }

    /** The standby acknowledged epoch {@code epoch}, {@code nanos} after the guest resumed from its capture. */
    default void acknowledged(long epoch, long nanos) {
    }
}
