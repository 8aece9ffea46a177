package org.kemari.io.disk.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;

import org.kemari.api.io.CheckpointDeviceException;
import org.kemari.api.io.DiskWriteOutput;
import org.kemari.api.io.HoldingCheckpointDevice;
import org.kemari.api.io.OutputKind;
import org.kemari.api.io.PendingOutput;

/**
 * One VM's disk interceptor: holds every disk write until its epoch is committed and, for
 * replicated disks, also lists the epoch's writes so the engine can carry them to the standby
 * in that same epoch.
 */
final class DiskCheckpointDevice extends HoldingCheckpointDevice {
    private final Set<String> replicatedDisks;
    /** Writes to replicated disks by the epoch they were issued in, in submission order. */
    private final Map<Long, List<DiskWriteOutput>> replicated = new ConcurrentSkipListMap<>();
    /** The last epoch whose writes the engine took: a write of it or older arriving now goes with the next. */
    private long shippedThrough = -1;
    /** Set when a write to a replicated disk could not be replicated; the next capture fails with it. */
    private volatile String unreplicable;

    DiskCheckpointDevice(String vmName, Set<String> replicatedDisks) {
        super(DiskCheckpointDeviceProvider.NAME, vmName, Set.of(OutputKind.DISK_WRITE));
        this.replicatedDisks = Set.copyOf(replicatedDisks);
    }

    Set<String> replicatedDisks() {
        return replicatedDisks;
    }

    @Override
    public void hold(PendingOutput output, long epoch) {
        if (replicatedDisks.contains(output.deviceId())) {
            if (output instanceof DiskWriteOutput write) {
                // A vCPU thread is stopped while its epoch is captured, so its write is never late.
                // A backend's own I/O thread may list a write just after its epoch was taken: it goes
                // with the next one, as the guest cannot have seen it done in the state just sent.
                synchronized (this) {
                    long carriedIn = Math.max(epoch, shippedThrough + 1);
                    replicated.computeIfAbsent(carriedIn, e -> new ArrayList<>()).add(write);
                }
            } else {
                // Not thrown here, on a vCPU thread: the capture fails instead, ending protection.
                unreplicable = "disk " + output.deviceId()
                        + " is replicated, but its backend's writes do not show their data (DiskWriteOutput)";
            }
        }
        super.hold(output, epoch);
    }

    @Override
    public void beforeResume(long epoch) throws CheckpointDeviceException {
        String problem = unreplicable;
        if (problem != null) {
            throw new CheckpointDeviceException(CheckpointDeviceException.Reason.BAD_CONFIGURATION, problem);
        }
        super.beforeResume(epoch);
    }

    @Override
    public synchronized List<DiskWriteOutput> replicatedWrites(long epoch) {
        shippedThrough = Math.max(shippedThrough, epoch);
        List<DiskWriteOutput> writes = replicated.remove(epoch);
        return writes == null ? List.of() : writes;
    }

    @Override
    public void commit(long epoch) throws CheckpointDeviceException {
        // Lists of epochs the engine never asked about (none in normal operation) must not pile up.
        replicated.keySet().removeIf(e -> e <= epoch);
        super.commit(epoch);
    }

    @Override
    public void teardown(boolean release) {
        replicated.clear();
        super.teardown(release);
    }
}
