package org.kemari.core.internal.engine;

import java.nio.ByteBuffer;

import org.kemari.api.hv.DirtyPageSet;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.Vm;
import org.kemari.api.io.CheckpointDeviceException;

/**
 * Captures one epoch: pauses the VM, closes the output epoch, fetches the dirty log, copies the
 * dirty pages and the state out, and resumes the VM at once. Nothing that waits for the network
 * happens while the VM is paused.
 */
final class EpochCapturer {
    /** Longest page run in one record: 1 MiB keeps records bounded for the stream reader. */
    static final int MAX_RUN_PAGES = 256;

    private final Vm vm;
    private final CheckpointDeviceSet devices;
    private final HeldOutputGate gate;

    EpochCapturer(Vm vm, CheckpointDeviceSet devices, HeldOutputGate gate) {
        this.vm = vm;
        this.devices = devices;
        this.gate = gate;
    }

    /**
     * Captures epoch {@code number} into {@code buffer} (grown when too small).
     *
     * @return the epoch, and in {@code outputs[0]} how many outputs it closes over
     */
    CapturedEpoch capture(long number, BufferPool pool, long[] outputs) throws HypervisorException, CheckpointDeviceException {
        long t0 = System.nanoTime();
        vm.pause();
        boolean resumed = false;
        try {
            long t1 = System.nanoTime();
            outputs[0] = gate.closeEpoch(number);
            devices.afterSuspend(number);
            DirtyPageSet dirty = vm.fetchAndClearDirtyPages();
            long t2 = System.nanoTime();
            PageRuns runs = PageRuns.of(dirty, MAX_RUN_PAGES);
            ByteBuffer pages = pool.take(runs.byteCount());
            runs.copy(vm.memory(), pages);
            long t3 = System.nanoTime();
            MachineState state = vm.captureState();
            long t4 = System.nanoTime();
            devices.beforeResume(number);
            vm.resume();
            resumed = true;
            long t5 = System.nanoTime();
            EpochTimings timings = new EpochTimings(t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t5 - t0);
            return new CapturedEpoch(number, runs, pages, state, timings, t5);
        } finally {
            if (!resumed && !vm.state().isTerminal()) {
                // A failed capture must not leave the guest frozen.
                vm.resume();
            }
        }
    }
}
