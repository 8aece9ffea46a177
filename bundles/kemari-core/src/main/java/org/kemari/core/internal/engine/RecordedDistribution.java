package org.kemari.core.internal.engine;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.kemari.api.management.Distribution;

/**
 * Values recorded on engine threads (lock-free, HdrHistogram's Recorder) and summarised on demand
 * since recording began; values above the trackable range count as the highest.
 */
final class RecordedDistribution {
    private final long highest;
    private final Recorder recorder;
    private final Histogram total;

    RecordedDistribution(long highestTrackable) {
        this.highest = highestTrackable;
        this.recorder = new Recorder(highestTrackable, 3);
        this.total = new Histogram(highestTrackable, 3);
    }

    void record(long value) {
        recorder.recordValue(Math.max(0, Math.min(value, highest)));
    }

    /** Every value recorded so far, each divided by {@code unit} (e.g. 1000 for ns → µs). */
    synchronized Distribution summary(long unit) {
        total.add(recorder.getIntervalHistogram());
        long count = total.getTotalCount();
        if (count == 0) {
            return Distribution.EMPTY;
        }
        long p50 = total.getValueAtPercentile(50) / unit;
        long p90 = Math.max(p50, total.getValueAtPercentile(90) / unit);
        long p99 = Math.max(p90, total.getValueAtPercentile(99) / unit);
        return new Distribution(count, p50, p90, p99, Math.max(p99, total.getMaxValue() / unit));
    }
}
