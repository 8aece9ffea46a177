package org.kemari.core.internal.engine;

import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;

/** Guest pause times of one session: the last one and a histogram since protection started. */
final class PauseStats {
    private final Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
    private final Histogram total = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    private volatile EpochTimings last;

    void record(EpochTimings timings) {
        last = timings;
        recorder.recordValue(Math.min(timings.pauseNanos(), TimeUnit.SECONDS.toNanos(60)));
    }

    EpochTimings last() {
        return last;
    }

    /** The median pause since protection started, in microseconds (0 before the first epoch). */
    synchronized long medianMicros() {
        total.add(recorder.getIntervalHistogram());
        return total.getTotalCount() == 0 ? 0 : total.getValueAtPercentile(50) / 1000;
    }

    synchronized long percentileMicros(double percentile) {
        total.add(recorder.getIntervalHistogram());
        return total.getTotalCount() == 0 ? 0 : total.getValueAtPercentile(percentile) / 1000;
    }
}
