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
                // hold() runs on vCPU threads, which are stopped while an epoch is captured: no
                // write of an epoch arrives after replicatedWrites() of that epoch.
                replicated.computeIfAbsent(epoch, e -> new ArrayList<>()).add(write);
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
    public List<DiskWriteOutput> replicatedWrites(long epoch) {
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
