package org.kemari.core.internal.engine;

/**
 * Sees each epoch of a protection session as it passes (benchmarks and diagnostics). Called on
 * the engine's epoch and acknowledgement threads: implementations must be quick and thread-safe.
 */
interface EpochObserver {
    EpochObserver NONE = new EpochObserver() {
    };

    /** Epoch {@code epoch} was captured: the guest's pause and the pages it carries. */
    default void captured(long epoch, EpochTimings timings, long pages) {
    }

    /** Epoch {@code epoch} was handed to the link in {@code nanos} (outside the pause). */
    default void shipped(long epoch, long nanos) {
    }

    /** The standby acknowledged epoch {@code epoch}, {@code nanos} after the guest resumed from its capture. */
    default void acknowledged(long epoch, long nanos) {
    }
}
