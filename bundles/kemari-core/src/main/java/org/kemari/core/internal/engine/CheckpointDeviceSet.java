package org.kemari.core.internal.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.kemari.api.io.CheckpointContext;
import org.kemari.api.io.CheckpointDevice;
import org.kemari.api.io.CheckpointDeviceException;
import org.kemari.api.io.CheckpointDeviceProvider;
import org.kemari.api.io.DiskWriteOutput;
import org.kemari.api.io.OutputKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint devices taking part in one VM's protection, driven through the Remus-style
 * life cycle. Providers that answer "not mine" are left out; if one provider fails, the devices
 * set up before it are torn down again.
 */
final class CheckpointDeviceSet {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointDeviceSet.class);

    private final String vmName;
    private final List<CheckpointDevice> active = new ArrayList<>();

    private CheckpointDeviceSet(String vmName) {
        this.vmName = vmName;
    }

    /**
     * Asks every provider in order (highest ranking first) for the VM's device.
     *
     * @throws CheckpointDeviceException from the first provider that fails
     */
    static CheckpointDeviceSet setUp(String vmName, List<CheckpointDeviceProvider> providers, CheckpointContext context)
            throws CheckpointDeviceException {
        CheckpointDeviceSet set = new CheckpointDeviceSet(vmName);
        for (CheckpointDeviceProvider p : providers) {
            try {
                Optional<CheckpointDevice> device = p.setup(context);
                if (device.isPresent()) {
                    set.active.add(device.get());
                    LOG.info("VM {}: checkpoint device '{}' holds {}", vmName, device.get().name(),
                            device.get().handledKinds());
                }
            } catch (CheckpointDeviceException | RuntimeException e) {
                set.teardown(true);
                if (e instanceof CheckpointDeviceException cde) {
                    throw cde;
                }
                throw new CheckpointDeviceException(CheckpointDeviceException.Reason.SETUP_FAILED,
                        "checkpoint device provider '" + p.name() + "' failed to set up: " + e, e);
            }
        }
        if (context.vm().spec().hasReplicatedDisks()
                && set.active.stream().noneMatch(d -> d.handledKinds().contains(OutputKind.DISK_WRITE))) {
            set.teardown(true);
            throw new CheckpointDeviceException(CheckpointDeviceException.Reason.BAD_CONFIGURATION, "VM " + vmName
                    + " has replicated disks but no disk interceptor is installed (bundle kemari-io-disk): their writes"
                    + " would never reach the standby");
        }
        return set;
    }

    List<CheckpointDevice> active() {
        return List.copyOf(active);
    }

    void afterSuspend(long epoch) throws CheckpointDeviceException {
        for (CheckpointDevice d : active) {
            d.afterSuspend(epoch);
        }
    }

    void beforeResume(long epoch) throws CheckpointDeviceException {
        for (CheckpointDevice d : active) {
            d.beforeResume(epoch);
        }
    }

    /** Epoch {@code epoch}'s writes to replicated disks, device by device, each device's in submission order. */
    List<DiskWriteOutput> replicatedWrites(long epoch) {
        List<DiskWriteOutput> all = new ArrayList<>();
        for (CheckpointDevice d : active) {
            all.addAll(d.replicatedWrites(epoch));
        }
        return all;
    }

    /** Commits on every device; a failing device is logged and the others still release. */
    void commit(long epoch) {
        for (CheckpointDevice d : active) {
            try {
                d.commit(epoch);
            } catch (CheckpointDeviceException | RuntimeException e) {
                LOG.error("VM {}: checkpoint device '{}' failed to release epoch {}: {}", vmName, d.name(), epoch,
                        e.toString());
            }
        }
    }

    void teardown(boolean release) {
        for (CheckpointDevice d : active) {
            try {
                d.teardown(release);
            } catch (RuntimeException e) {
                LOG.error("VM {}: checkpoint device '{}' failed to tear down: {}", vmName, d.name(), e.toString());
            }
        }
        active.clear();
    }
}
