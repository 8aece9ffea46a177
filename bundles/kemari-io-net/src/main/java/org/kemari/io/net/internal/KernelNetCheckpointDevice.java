package org.kemari.io.net.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.kemari.api.io.CheckpointContext;
import org.kemari.api.io.CheckpointDevice;
import org.kemari.api.io.CheckpointDeviceException;
import org.kemari.api.io.OutputKind;
import org.kemari.api.io.PendingOutput;
import org.kemari.io.net.internal.linux.FrameHold;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Output commit for NICs whose frames never pass through Kemari (a Xen guest's vif): they are held
 * in the host kernel ({@link FrameHold}), a buffer closed at each epoch's suspend and released when
 * that epoch is committed. The kernel keeps one closed buffer at a time, so a suspend while the
 * previous epoch still waits for its commit leaves its frames in the open buffer: they go out one
 * commit later. Never early, sometimes late - with one epoch in flight, never late.
 *
 * <p>Frames waiting are the event that asks for a checkpoint: a poller watches the hold's queue.
 */
final class KernelNetCheckpointDevice implements CheckpointDevice {
    private static final Logger LOG = LoggerFactory.getLogger(KernelNetCheckpointDevice.class);
    static final long POLL_MILLIS = 2;

    private final String vmName;
    private final List<FrameHold> holds;
    private final CheckpointContext context;
    /** The epoch whose buffer is closed and not yet released, or -1. */
    private long closedEpoch = -1;
    /** Per hold: frames in its closed buffer when it was closed (frames beyond them are new output). */
    private final long[] closedFrames;
    private final Thread poller;
    private volatile boolean stopped;

    KernelNetCheckpointDevice(String vmName, List<FrameHold> holds, CheckpointContext context) {
        this.vmName = vmName;
        this.holds = List.copyOf(holds);
        this.context = context;
        this.closedFrames = new long[holds.size()];
        this.poller = new Thread(this::poll, "kemari-net-hold-" + vmName);
        poller.setDaemon(true);
        poller.start();
    }

    @Override
    public String name() {
        return NetCheckpointDeviceProvider.NAME;
    }

    /** None: the frames are held in the kernel, the backend submits none. */
    @Override
    public Set<OutputKind> handledKinds() {
        return Set.of();
    }

    @Override
    public void hold(PendingOutput output, long epoch) {
        throw new IllegalStateException("frames of " + vmName + " are held in the kernel, not submitted");
    }

    @Override
    public synchronized void afterSuspend(long epoch) throws CheckpointDeviceException {
        if (closedEpoch >= 0) {
            return; // the kernel's one closed buffer is taken: these frames wait for a later epoch's commit
        }
        try {
            for (int i = 0; i < holds.size(); i++) {
                closedFrames[i] = holds.get(i).queued();
                holds.get(i).closeBuffer();
            }
            closedEpoch = epoch;
        } catch (IOException e) {
            throw new CheckpointDeviceException(CheckpointDeviceException.Reason.RELEASE_FAILED,
                    "VM " + vmName + ": cannot mark epoch " + epoch + " in the held frames: " + e.getMessage(), e);
        }
    }

    @Override
    public void beforeResume(long epoch) {
    }

    @Override
    public synchronized void commit(long epoch) throws CheckpointDeviceException {
        if (closedEpoch < 0 || closedEpoch > epoch) {
            return;
        }
        closedEpoch = -1;
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < holds.size(); i++) {
            closedFrames[i] = 0;
            try {
                holds.get(i).releaseClosed();
            } catch (IOException e) {
                failed.add(holds.get(i).iface() + ": " + e.getMessage());
            }
        }
        if (!failed.isEmpty()) {
            throw new CheckpointDeviceException(CheckpointDeviceException.Reason.RELEASE_FAILED,
                    "VM " + vmName + ": frames of epoch " + epoch + " not released on " + failed);
        }
    }

    @Override
    public void teardown(boolean release) {
        stopped = true;
        poller.interrupt();
        synchronized (this) {
            for (FrameHold h : holds) {
                h.close(release);
            }
        }
        LOG.info("VM {}: frames held in the kernel on {} {}", vmName, interfaces(), release ? "released" : "dropped");
    }

    /** Frames beyond the closed buffer are output waiting: ask for a checkpoint. */
    private void poll() {
        while (!stopped) {
            try {
                if (newFramesWaiting()) {
                    context.requestCheckpoint();
                }
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                if (!stopped) {
                    LOG.warn("VM {}: stopped watching the held frames on {}: {}", vmName, interfaces(), e.getMessage());
                }
                return;
            }
        }
    }

    synchronized boolean newFramesWaiting() throws IOException {
        for (int i = 0; i < holds.size(); i++) {
            if (holds.get(i).queued() > closedFrames[i]) {
                return true;
            }
        }
        return false;
    }

    private List<String> interfaces() {
        return holds.stream().map(FrameHold::iface).toList();
    }
}
