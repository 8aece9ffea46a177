package org.kemari.api.io;

import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A checkpoint device that holds outputs of some kinds per epoch and releases them on commit:
 * the common core of output-commit interceptors. Subclasses add what their kind of device needs
 * (announcing a MAC at failover, mirroring writes) by overriding the life-cycle methods and
 * calling {@code super}.
 */
@ConsumerType
public class HoldingCheckpointDevice implements CheckpointDevice {
    private static final Logger LOG = LoggerFactory.getLogger(HoldingCheckpointDevice.class);

    private final String name;
    private final String vmName;
    private final Set<OutputKind> kinds;
    private final EpochOutputBuffer buffer = new EpochOutputBuffer();

    public HoldingCheckpointDevice(String name, String vmName, Set<OutputKind> kinds) {
        this.name = Objects.requireNonNull(name, "name");
        this.vmName = Objects.requireNonNull(vmName, "vmName");
        this.kinds = Set.copyOf(kinds);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<OutputKind> handledKinds() {
        return kinds;
    }

    @Override
    public void hold(PendingOutput output, long epoch) {
        buffer.add(output, epoch);
    }

    @Override
    public void afterSuspend(long epoch) throws CheckpointDeviceException {
    }

    @Override
    public void beforeResume(long epoch) throws CheckpointDeviceException {
    }

    /**
     * Releases the outputs of epochs up to {@code epoch}.
     *
     * @throws CheckpointDeviceException RELEASE_FAILED naming the first failure, after trying every output
     */
    @Override
    public void commit(long epoch) throws CheckpointDeviceException {
        report(buffer.releaseThrough(epoch), true);
    }

    @Override
    public void teardown(boolean release) {
        if (release) {
            try {
                report(buffer.releaseAll(), false);
            } catch (CheckpointDeviceException e) {
                // report(…, false) only logs.
            }
        } else {
            buffer.discardAll();
        }
    }

    /** Outputs held now. */
    public int heldCount() {
        return buffer.size();
    }

    private void report(List<EpochOutputBuffer.ReleaseFailure> failures, boolean raise) throws CheckpointDeviceException {
        for (EpochOutputBuffer.ReleaseFailure f : failures) {
            LOG.error("VM {}: {} device could not release a {} of {}: {}", vmName, name, f.output().kind(),
                    f.output().deviceId(), f.cause().toString());
        }
        if (raise && !failures.isEmpty()) {
            EpochOutputBuffer.ReleaseFailure first = failures.get(0);
            throw new CheckpointDeviceException(CheckpointDeviceException.Reason.RELEASE_FAILED,
                    failures.size() + " output(s) of " + vmName + " could not be released; first: " + first.output().kind()
                            + " of " + first.output().deviceId() + ": " + first.cause().getMessage(), first.cause());
        }
    }
}
