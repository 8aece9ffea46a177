package org.kemari.core.internal.engine;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.kemari.api.management.ProtectionMetrics;
import org.kemari.api.management.ProtectionStatus.Role;

/**
 * What a primary's protection session measures, across its reconnects: pauses, acknowledgement
 * latencies, epoch sizes, output hold times and counters (kemari:status -v, the Protection MBean).
 */
final class SessionMetrics {
    private static final long MAX_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final RecordedDistribution pauses = new RecordedDistribution(MAX_NANOS);
    private final RecordedDistribution ackLatencies = new RecordedDistribution(MAX_NANOS);
    private final RecordedDistribution epochBytes = new RecordedDistribution(1L << 40);
    private final RecordedDistribution outputHolds = new RecordedDistribution(MAX_NANOS);
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong outputsHeld = new AtomicLong();
    private final AtomicLong outputsReleased = new AtomicLong();
    private volatile EpochTimings lastPause;

    void paused(EpochTimings timings) {
        lastPause = timings;
        pauses.record(timings.pauseNanos());
    }

    /**
     * Epoch {@code epoch} is on the link, {@code bytesOfEpoch} bytes of it. Epoch 0 (the initial
     * copy) counts in the bytes sent but not among epoch sizes, which it would swamp.
     */
    void epochSent(long epoch, long bytesOfEpoch) {
        bytes.addAndGet(bytesOfEpoch);
        if (epoch > 0) {
            epochBytes.record(bytesOfEpoch);
        }
    }

    void acknowledged(long nanosSinceResume) {
        ackLatencies.record(nanosSinceResume);
    }

    void outputHeld() {
        outputsHeld.incrementAndGet();
    }

    /** {@code count} outputs went out; the oldest of them had waited {@code oldestNanos}. */
    void outputsReleased(long count, long oldestNanos) {
        outputsReleased.addAndGet(count);
        outputHolds.record(oldestNanos);
    }

    long lastPauseMicros() {
        EpochTimings last = lastPause;
        return last == null ? 0 : last.pauseNanos() / 1000;
    }

    long medianPauseMicros() {
        return pauses.summary(1000).p50();
    }

    ProtectionMetrics snapshot(String vmName, long epochs) {
        return new ProtectionMetrics(vmName, Role.PRIMARY, epochs, bytes.get(), outputsHeld.get(), outputsReleased.get(), 0,
                pauses.summary(1000), ackLatencies.summary(1000), epochBytes.summary(1), outputHolds.summary(1000));
    }
}
