package org.kemari.core.internal.engine;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.kemari.api.hv.CheckpointStreamSink;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.io.DiskWriteOutput;
import org.kemari.api.io.CheckpointDeviceException;
import org.kemari.api.transport.TransportException;
import org.kemari.core.internal.stream.EpochStreamWriter;
import org.kemari.core.internal.stream.StreamFormat;

/**
 * The engine's end of a backend's own checkpoint stream ({@link org.kemari.api.hv.StreamCheckpointing}):
 * wraps the backend's bytes in the engine's epochs (BACKEND_STREAM records between EPOCH_BEGIN and
 * EPOCH_END), closes the output epoch when the VM is stopped for a checkpoint, and answers "take the
 * next checkpoint" as the connection's checkpoint policy does. Writer calls are serialised on the
 * writer, which the connection also locks to end protection.
 *
 * <p>Replicated disks: each epoch ends with the DISK_WRITE records of the writes listed in it (after
 * the backend's checkpoint bytes, so the standby applies them when it commits the epoch); epoch 0
 * first carries every replicated image whole. The backend lists each write at the gate before the
 * guest can see it done, which is what keeps the standby's copy as recent as the state it commits.
 */
final class StreamEpochs implements CheckpointStreamSink {

    /** What the connection provides. */
    interface Loop {
        /** Blocks until the policy wants the next epoch and the pipeline has room; false once ended. */
        boolean awaitNextEpoch();

        /** Epoch {@code n} is about to end on the wire, closing over {@code outputs} outputs. */
        void closing(long n, long outputs);

        /** Epoch {@code n} is on the wire, whole. */
        void sent(long n);

        boolean ended();
    }

    private final EpochStreamWriter writer;
    private final HeldOutputGate gate;
    private final CheckpointDeviceSet devices;
    private final VmSpec spec;
    private final Loop loop;
    /** The epoch the bytes belong to now. */
    private long open;
    private long closedOutputs = -1;
    private volatile Exception failure;

    StreamEpochs(EpochStreamWriter writer, HeldOutputGate gate, CheckpointDeviceSet devices, VmSpec spec, Loop loop) {
        this.writer = writer;
        this.gate = gate;
        this.devices = devices;
        this.spec = spec;
        this.loop = loop;
    }

    /** Why the stream had to stop on the engine's side (link lost, device failed), or null. */
    Exception failure() {
        return failure;
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
        synchronized (writer) {
            if (loop.ended()) {
                throw new IOException("protection is ending");
            }
            try {
                if (!writer.inEpoch()) {
                    // Counts unknown: the backend's records are opaque to the engine.
                    writer.beginEpoch(open, 0, StreamFormat.UNKNOWN_COUNT);
                }
                // The sink's contract lets the backend reuse its buffer once write returns, while the
                // writer keeps views until its next flush: so the engine keeps its own copy.
                ByteBuffer copy = ByteBuffer.allocate(bytes.remaining());
                copy.put(bytes.duplicate()).flip();
                writer.backendStream(copy);
            } catch (TransportException e) {
                failure = e;
                throw new IOException(e.getMessage(), e);
            }
        }
    }

    @Override
    public void suspended(long epoch) {
        synchronized (writer) {
            if (epoch != open) {
                throw new IllegalStateException("backend stopped the VM for checkpoint " + epoch + ", epoch " + open + " is open");
            }
            // Output from here on is not in this checkpoint's state: it belongs to the next epoch.
            closedOutputs = gate.closeEpoch(epoch);
            try {
                devices.afterSuspend(epoch);
                devices.beforeResume(epoch);
            } catch (CheckpointDeviceException e) {
                failure = e;
            }
        }
    }

    @Override
    public boolean checkpointWritten(long epoch) throws InterruptedException {
        synchronized (writer) {
            if (epoch != open || closedOutputs < 0) {
                throw new IllegalStateException("backend ended checkpoint " + epoch + " but epoch " + open
                        + (closedOutputs < 0 ? " was never suspended" : " is open"));
            }
            if (failure != null || loop.ended()) {
                return false;
            }
            try {
                if (!writer.inEpoch()) {
                    writer.beginEpoch(epoch, 0, StreamFormat.UNKNOWN_COUNT);
                }
                if (epoch == 0) {
                    ReplicatedDiskCopy.sendImages(spec, writer);
                }
                for (DiskWriteOutput w : devices.replicatedWrites(epoch)) {
                    writer.diskWrite(w.deviceId(), w.offset(), w.data());
                }
                loop.closing(epoch, closedOutputs);
                writer.endEpoch();
                loop.sent(epoch);
            } catch (TransportException | CheckpointDeviceException e) {
                failure = e;
                return false;
            }
            open = epoch + 1;
            closedOutputs = -1;
        }
        return loop.awaitNextEpoch() && !loop.ended();
    }
}
