package org.kemari.core.internal.engine;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.kemari.api.io.CheckpointDevice;
import org.kemari.api.io.EpochOutputBuffer;
import org.kemari.api.io.OutputGate;
import org.kemari.api.io.PendingOutput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protected VM's output gate: tags every output with the epoch that is open when it is
 * produced, hands it to the checkpoint device that holds its kind (or keeps it itself when none
 * does, so nothing escapes unheld), and asks for an epoch.
 */
final class HeldOutputGate implements OutputGate {
    private static final Logger LOG = LoggerFactory.getLogger(HeldOutputGate.class);

    private final String vmName;
    private final List<CheckpointDevice> devices;
    private final EpochOutputBuffer unclaimed = new EpochOutputBuffer();
    private final Runnable checkpointRequest;

    /** The epoch that outputs produced now belong to; advanced when the VM pauses for a capture. */
    private volatile long openEpoch;
    /** Outputs submitted but not yet committed, and when the oldest of them arrived. */
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong oldestWaitingSince = new AtomicLong();
    private volatile long lastCommitted = -1;
    private final AtomicLong submittedInOpenEpoch = new AtomicLong();
    /** When the first output of each epoch with outputs still held arrived (its hold time when released). */
    private final ConcurrentSkipListMap<Long, Long> firstSubmitByEpoch = new ConcurrentSkipListMap<>();
    private final SessionMetrics metrics;

    HeldOutputGate(String vmName, List<CheckpointDevice> devices, long firstEpoch, Runnable checkpointRequest,
                   SessionMetrics metrics) {
        this.vmName = vmName;
        this.metrics = metrics;
        this.devices = List.copyOf(devices);
        this.openEpoch = firstEpoch;
        this.checkpointRequest = checkpointRequest;
    }

    @Override
    public void submit(PendingOutput output) {
        long epoch = openEpoch;
        long now = System.nanoTime();
        if (waiting.getAndIncrement() == 0) {
            oldestWaitingSince.set(now);
        }
        firstSubmitByEpoch.putIfAbsent(epoch, now);
        submittedInOpenEpoch.incrementAndGet();
        metrics.outputHeld();
        CheckpointDevice holder = holderOf(output);
        if (holder != null) {
            holder.hold(output, epoch);
        } else {
            unclaimed.add(output, epoch);
        }
        checkpointRequest.run();
    }

    private CheckpointDevice holderOf(PendingOutput output) {
        for (CheckpointDevice d : devices) {
            if (d.handledKinds().contains(output.kind())) {
                return d;
            }
        }
        return null;
    }

    /** The VM is paused for epoch {@code epoch}: later outputs belong to the next one. */
    long closeEpoch(long epoch) {
        openEpoch = epoch + 1;
        return submittedInOpenEpoch.getAndSet(0);
    }

    /** Outputs of epochs up to {@code epoch} may go out: the standby has committed it. */
    void committed(long epoch, long outputsThrough) {
        lastCommitted = epoch;
        for (EpochOutputBuffer.ReleaseFailure f : unclaimed.releaseThrough(epoch)) {
            LOG.error("VM {}: releasing a {} of device {} failed: {}", vmName, f.output().kind(), f.output().deviceId(),
                    f.cause().toString());
        }
        released(firstSubmitByEpoch.headMap(epoch, true), outputsThrough);
        int left = waiting.addAndGet((int) -outputsThrough);
        if (left > 0) {
            oldestWaitingSince.set(System.nanoTime());
        }
    }

    /** Outputs waiting for an epoch to be committed. */
    int waiting() {
        return Math.max(0, waiting.get());
    }

    /** Outputs produced since the last capture (they need a new epoch). */
    long pendingInOpenEpoch() {
        return submittedInOpenEpoch.get();
    }

    long nanosSinceOldestWaiting() {
        return waiting() == 0 ? 0 : System.nanoTime() - oldestWaitingSince.get();
    }

    long lastCommitted() {
        return lastCommitted;
    }

    /** Protection ends with the VM running on: everything held goes out now. */
    void releaseAll() {
        for (EpochOutputBuffer.ReleaseFailure f : unclaimed.releaseAll()) {
            LOG.error("VM {}: releasing a {} of device {} failed: {}", vmName, f.output().kind(), f.output().deviceId(),
                    f.cause().toString());
        }
        released(firstSubmitByEpoch, waiting.getAndSet(0));
    }

    /**
     * Counts {@code count} outputs of these epochs as released, the oldest one's hold time with them
     * (the lowest epoch's first output: epochs are keyed in the order their outputs arrived).
     */
    private void released(ConcurrentNavigableMap<Long, Long> epochs, long count) {
        Map.Entry<Long, Long> oldest = epochs.firstEntry();
        epochs.clear();
        if (count > 0 && oldest != null) {
            metrics.outputsReleased(count, System.nanoTime() - oldest.getValue());
        }
    }

    /** The VM is gone: nothing held may go out. */
    void discardAll() {
        unclaimed.discardAll();
        firstSubmitByEpoch.clear();
        waiting.set(0);
    }
}
