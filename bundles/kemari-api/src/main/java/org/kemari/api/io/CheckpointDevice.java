package org.kemari.api.io;

import java.util.List;
import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One VM's checkpoint device, made by a {@link CheckpointDeviceProvider} when protection starts
 * (after libxl's Remus checkpoint devices). For every epoch the engine calls
 * {@link #afterSuspend}, {@link #beforeResume} and, once the standby has committed the epoch,
 * {@link #commit}; finally {@link #teardown}.
 */
@ConsumerType
public interface CheckpointDevice {

    /** A short name for logs and status (e.g. {@code disk}, {@code net}). */
    String name();

    /** The kinds of output this device holds; the engine routes each output to the device that handles its kind. */
    Set<OutputKind> handledKinds();

    /**
     * Takes charge of an output the VM produced while epoch {@code epoch} was open: it must not
     * become visible before {@link #commit} of that epoch (or a later one). Called on vCPU threads:
     * must not block.
     */
    void hold(PendingOutput output, long epoch);

    /**
     * The VM has been paused for epoch {@code epoch}: outputs submitted from now on belong to
     * the next epoch.
     */
    void afterSuspend(long epoch) throws CheckpointDeviceException;

    /** The VM is about to run again after epoch {@code epoch} was captured. */
    void beforeResume(long epoch) throws CheckpointDeviceException;

    /**
     * The writes to replicated disks that the guest issued while epoch {@code epoch} was open, in
     * submission order: the engine ships them in that epoch (DISK_WRITE records), so that the
     * standby has a write's data from the first epoch whose state has it in flight, and applies
     * it to its own copy when it commits that epoch.
     *
     * <p>Called once per epoch, after {@link #beforeResume} and before the epoch is sent; the
     * outputs are still held (their epoch is not committed), so their data is stable. A device
     * forgets the epoch's list once asked. Devices without replicated disks keep the default.
     *
     * @since 1.1
     */
    default List<DiskWriteOutput> replicatedWrites(long epoch) {
        return List.of();
    }

    /** The standby has committed epoch {@code epoch}: release every output held for it and earlier. */
    void commit(long epoch) throws CheckpointDeviceException;

    /**
     * Ends interception: with {@code release} true, remaining held outputs are released (the VM goes on
     * unprotected); with false they are discarded (the VM is gone). Never throws.
     */
    void teardown(boolean release);
}
