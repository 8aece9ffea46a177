package org.kemari.core.internal.engine.bench;

import org.kemari.core.internal.engine.BenchNodes;
import org.kemari.core.internal.engine.EpochTimings;

/** Collects per-epoch figures (µs, pages) while {@link #recording} is on. */
final class EpochRecorder implements BenchNodes.EpochSink {
    final Samples pauseVm = new Samples();
    final Samples dirtyLog = new Samples();
    final Samples copy = new Samples();
    final Samples state = new Samples();
    final Samples resume = new Samples();
    final Samples pause = new Samples();
    final Samples pages = new Samples();
    final Samples ship = new Samples();
    final Samples ack = new Samples();
    final Samples wake = new Samples();
    volatile boolean recording;

    void start() {
        for (Samples s : all()) {
            s.clear();
        }
        recording = true;
    }

    Samples[] all() {
        return new Samples[] {pauseVm, dirtyLog, copy, state, resume, pause, pages, ship, ack, wake};
    }

    @Override
    public void captured(long epoch, EpochTimings t, long pageCount, long outputWaitNanos) {
        if (recording) {
            if (outputWaitNanos > 0) {
                wake.add(outputWaitNanos / 1e3);
            }
            pauseVm.add(t.pauseVmNanos() / 1e3);
            dirtyLog.add(t.dirtyLogNanos() / 1e3);
            copy.add(t.copyNanos() / 1e3);
            state.add(t.stateNanos() / 1e3);
            resume.add(t.resumeNanos() / 1e3);
            pause.add(t.pauseNanos() / 1e3);
            pages.add(pageCount);
        }
    }

    @Override
    public void shipped(long epoch, long nanos) {
        if (recording) {
            ship.add(nanos / 1e3);
        }
    }

    @Override
    public void acknowledged(long epoch, long nanos) {
        if (recording) {
            ack.add(nanos / 1e3);
        }
    }
}
