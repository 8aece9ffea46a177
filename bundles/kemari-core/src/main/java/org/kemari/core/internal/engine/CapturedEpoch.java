package org.kemari.core.internal.engine;

import java.nio.ByteBuffer;

import org.kemari.api.hv.MachineState;

/**
 * One epoch as captured on the primary, copied out of the VM so the VM could resume: the dirty
 * pages as runs of consecutive pages with their contents, and the machine state.
 *
 * @param number the epoch number (0 is the initial copy)
 * @param runs the page runs; {@code pages} holds their contents back to back, in run order
 * @param pages the page contents, position 0, limit = total bytes
 * @param state the vCPU and device state at the end of the epoch
 * @param timings how long each part of the pause took
 * @param capturedAtNanos {@link System#nanoTime()} when the VM resumed
 */
public record CapturedEpoch(long number, PageRuns runs, ByteBuffer pages, MachineState state,
                            EpochTimings timings, long capturedAtNanos) {

    public long pageCount() {
        return runs.pageCount();
    }
}
