package org.kemari.core.internal.engine;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.StreamCheckpointing;
import org.kemari.api.hv.Vm;
import org.kemari.api.io.CheckpointContext;
import org.kemari.api.io.CheckpointDeviceException;
import org.kemari.api.io.DiskWriteOutput;
import org.kemari.api.management.ProtectionException;
import org.kemari.api.management.ProtectionMetrics;
import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.management.ProtectionStatus.Role;
import org.kemari.api.management.ProtectionStatus.State;
import org.kemari.api.policy.CheckpointPolicy;
import org.kemari.api.policy.CheckpointView;
import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.Transport;
import org.kemari.api.transport.TransportException;
import org.kemari.core.internal.stream.Ack;
import org.kemari.core.internal.stream.ControlChannel;
import org.kemari.core.internal.stream.Fence;
import org.kemari.core.internal.stream.EpochStreamWriter;
import org.kemari.core.internal.stream.Refuse;
import org.kemari.core.internal.stream.StreamFormat;
import org.kemari.core.internal.stream.StreamHeader;
import org.kemari.core.internal.stream.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Protection of one VM on the primary: connects to the standby, sends the initial copy while
 * the VM runs, then takes an epoch whenever the checkpoint policy says so (by default: as soon as
 * output is waiting), resumes the VM as soon as the epoch is copied out, ships it, and releases
 * held output when the standby acknowledges. If the standby is lost, the VM runs on unprotected
 * (its held output released, the operator told) and the session keeps trying to reconnect.
 *
 * <p>Threads: an epoch thread (capture and ship) and an acknowledgement thread per connection,
 * plus a reconnect thread while the standby is away.
 *
 * <p>A VM that is {@link StreamCheckpointing} writes its own checkpoint stream: the epoch thread
 * then runs the backend's stream ({@link StreamEpochs}), which replaces pre-copy and capture; the
 * output gate, acknowledgements, heartbeats and END_OF_PROTECTION stay the same.
 */
final class ProtectionSession {
    private static final Logger LOG = LoggerFactory.getLogger(ProtectionSession.class);

    private final Vm vm;
    private final String vmName;
    private final Endpoint standby;
    private final SessionServices services;
    private final EngineSettings settings;
    private final BufferPool pool = new BufferPool();
    private final SessionMetrics metrics = new SessionMetrics();
    private final EpochObserver observer;
    /** When each epoch in flight was captured (resume time), by epoch modulo 64 (≥ maxEpochsInFlight). */
    private final long[] capturedAt = new long[64];

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    /** Outputs closed into each epoch, so an acknowledgement knows how many it releases. */
    private final Map<Long, Long> outputsPerEpoch = new ConcurrentSkipListMap<>();
    private final AtomicLong epochsCaptured = new AtomicLong();

    private volatile State state = State.SYNCHRONIZING;
    private volatile String message = "connecting to the standby";
    /** The connection whose initial copy is under way, else null. */
    private volatile Connection connecting;
    /** The initial copy under way (its progress is the status message meanwhile), else null. */
    private volatile InitialCopyProgress copying;
    private volatile String transportName = "";
    private volatile String policyName = "";
    private volatile boolean stopping;

    // Per connection; replaced on reconnect.
    private volatile Connection connection;

    ProtectionSession(Vm vm, Endpoint standby, SessionServices services, EngineSettings settings) {
        this.vm = vm;
        this.vmName = vm.spec().name();
        this.standby = standby;
        this.services = services;
        this.settings = settings;
        this.observer = services.epochObserver();
    }

    String vmName() {
        return vmName;
    }

    /**
     * Connects and sends the initial copy; returns when the standby has committed it.
     *
     * @throws ProtectionException if the standby cannot be reached or refuses, or the VM cannot be captured
     */
    void start() throws ProtectionException {
        Connection c = connect();
        connection = c;
        if (stopping) {
            // Unprotected while the copy ran (stop() saw no connection yet): no epochs, end it here.
            c.endOrderly(true);
            throw endedDuringCopy();
        }
        c.startEpochs();
    }

    private ProtectionException endedDuringCopy() {
        return new ProtectionException(ProtectionException.Reason.NOT_PROTECTED,
                "protection of VM " + vmName + " was ended during its initial copy (kemari:unprotect)");
    }

    /** Ends protection. With {@code releaseOutputs} the VM runs on and its held output goes out. */
    void stop(boolean releaseOutputs) {
        stopping = true;
        Connection copy = connecting;
        if (copy != null) {
            // The initial copy fails at its next send and cleans up after itself.
            copy.link.close();
        }
        Connection c = connection;
        if (c != null) {
            c.endOrderly(releaseOutputs);
        }
        message = "protection ended";
        state = State.ENDED;
        signal();
    }

    ProtectionStatus status() {
        Connection c = connection;
        InitialCopyProgress copy = copying;
        String shown = state == State.SYNCHRONIZING && copy != null ? copy.describe(System.nanoTime()) : message;
        return new ProtectionStatus(vmName, Role.PRIMARY, state, standby.toString(),
                c == null ? -1 : c.gate.lastCommitted(), epochsCaptured.get(), c == null ? 0 : c.gate.waiting(),
                metrics.lastPauseMicros(), metrics.medianPauseMicros(), policyName, transportName, shown);
    }

    ProtectionMetrics metrics() {
        return metrics.snapshot(vmName, epochsCaptured.get());
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Opens a link, sets up interception and sends epoch 0; the returned connection is protected. */
    private Connection connect() throws ProtectionException {
        if (vm.state().isTerminal()) {
            throw new ProtectionException(ProtectionException.Reason.VM_NOT_PROTECTABLE,
                    "VM " + vmName + " is " + vm.state().name().toLowerCase() + vm.failureReason().map(r -> ": " + r).orElse(""));
        }
        Transport transport = services.transport();
        if (transport == null) {
            throw new ProtectionException(ProtectionException.Reason.SERVICE_MISSING,
                    "no replication transport is installed (install the kemari-transport-tcp feature)");
        }
        ReplicationLink link;
        try {
            link = transport.connect(standby, settings.connectTimeoutMillis());
        } catch (TransportException e) {
            throw new ProtectionException(ProtectionException.Reason.STANDBY_UNREACHABLE, e.getMessage(), e);
        }
        transportName = transport.name();
        Connection c = new Connection(link);
        copying = new InitialCopyProgress(InitialCopyProgress.expectedBytes(vm.spec()), c.writer::bytesSent, System.nanoTime());
        connecting = c;
        try {
            c.initialSync();
            return c;
        } catch (ProtectionException e) {
            copying = null;
            c.end(true, e.getMessage());
            throw stopping ? endedDuringCopy() : e;
        } catch (RuntimeException e) {
            copying = null;
            c.end(true, e.toString());
            throw stopping ? endedDuringCopy() : new ProtectionException(ProtectionException.Reason.VM_NOT_PROTECTABLE,
                    "initial copy of " + vmName + " failed: " + e, e);
        } finally {
            connecting = null;
        }
    }

    /** The standby is gone: run on unprotected, and try to get a standby back. */
    private void standbyLost(Connection c, String why) {
        // Both of the connection's threads may see the failure; only the first acts on it.
        if (stopping || connection != c || !c.lost.compareAndSet(false, true)) {
            return;
        }
        LOG.warn("VM {} is running UNPROTECTED: {}; its held output was released. Reconnecting to {} every {} ms",
                vmName, why, standby, settings.reconnectIntervalMillis());
        // If the standby is in fact alive (only slow to be heard), it must learn that this copy runs
        // on, or it would take over when the link closes: tell it, where the link still carries.
        c.endOrderly(true);
        // Message first: a reader that sees the new state must see its explanation too.
        message = "standby lost (" + why + "); running unprotected, reconnecting";
        state = State.UNPROTECTED;
        Thread t = new Thread(this::reconnectLoop, "kemari-reconnect-" + vmName);
        t.setDaemon(true);
        t.start();
    }

    private void reconnectLoop() {
        while (!stopping && !vm.state().isTerminal()) {
            sleep(settings.reconnectIntervalMillis());
            if (stopping) {
                return;
            }
            try {
                state = State.SYNCHRONIZING;
                Connection c = connect();
                connection = c;
                if (stopping) {
                    c.endOrderly(true);
                    return;
                }
                c.startEpochs();
                LOG.info("VM {} is protected again by standby {}", vmName, standby);
                return;
            } catch (ProtectionException e) {
                if (stopping) {
                    return; // unprotected during this copy: stop() has said so
                }
                message = "standby lost; reconnecting: " + e.getMessage();
                state = State.UNPROTECTED;
                LOG.debug("VM {}: reconnect to {} failed: {}", vmName, standby, e.getMessage());
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One link to the standby and everything that lives as long as it. */
    private final class Connection implements CheckpointContext {
        final ReplicationLink link;
        final EpochStreamWriter writer;
        final ControlChannel control = new ControlChannel();
        CheckpointDeviceSet devices;
        HeldOutputGate gate;
        EpochCapturer capturer;
        /** Set when the VM writes its own checkpoint stream. */
        StreamEpochs streamEpochs;
        volatile long nextEpoch;
        volatile long lastCaptureNanos = System.nanoTime();
        volatile boolean ended;
        /** Why a backend's stream ended on the primary's side (the VM stopped, the backend failed), or null. */
        volatile String streamEnd;
        /** Why the link failed while the initial copy was going on (said in the error protect() throws). */
        volatile String lostDuringCopy;
        private final AtomicBoolean closed = new AtomicBoolean();
        final AtomicBoolean lost = new AtomicBoolean();
        volatile long acked = -1;
        /** Stream bytes sent before the epoch being written (epoch sizes for the metrics). */
        private long bytesBeforeEpoch;
        volatile String refused;
        volatile Thread epochThread;
        Thread ackThread;

        Connection(ReplicationLink link) {
            this.link = link;
            this.writer = new EpochStreamWriter(link::send, settings.maxFrameBytes());
        }

        @Override
        public Vm vm() {
            return vm;
        }

        @Override
        public void requestCheckpoint() {
            signal();
        }

        @Override
        public long committedEpoch() {
            return acked;
        }

        /** Epoch 0: every page while the VM runs, then a short stop-and-copy of the rest and the state. */
        void initialSync() throws ProtectionException {
            try {
                devices = CheckpointDeviceSet.setUp(vmName, services.deviceProviders(), this);
            } catch (CheckpointDeviceException e) {
                throw new ProtectionException(ProtectionException.Reason.VM_NOT_PROTECTABLE, e.getMessage(), e);
            }
            gate = new HeldOutputGate(vmName, devices.active(), 0, ProtectionSession.this::signal, metrics);
            capturer = new EpochCapturer(vm, devices, gate);
            startAckReader();
            if (vm instanceof StreamCheckpointing streaming) {
                streamInitialSync(streaming);
                return;
            }
            long t0 = System.nanoTime();
            try {
                writer.writeHeader(StreamHeader.current(vmName,
                        vm.spec().hasReplicatedDisks() ? StreamFormat.HEADER_FLAG_REPLICATED_DISKS : 0));
                writer.writeVmSpec(vm.backend(), vm.spec());
                // From here on every output waits for epoch 0 at least.
                vm.setOutputGate(gate);
                long pages = new PreCopy(vm, writer, settings).run();
                ReplicatedDiskCopy.send(vm, writer);
                long[] outputs = new long[1];
                CapturedEpoch last = capturer.capture(0, pool, outputs);
                outputsPerEpoch.put(0L, outputs[0]);
                // Epoch 0 is already open (pre-copy); the stop-and-copy part ends it.
                ship(last, false);
                metrics.paused(last.timings());
                nextEpoch = 1;
                lastCaptureNanos = last.capturedAtNanos();
                epochsCaptured.incrementAndGet();
                awaitAck(0, settings.initialSyncTimeoutMillis());
                LOG.info("VM {} is protected by standby {}: initial copy of {} pages ({} MiB) in {} ms, final pause {} µs",
                        vmName, standby, pages + last.pageCount(), (pages + last.pageCount()) >> 8,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), last.timings().pauseNanos() / 1000);
                message = "protected by " + standby;
                copying = null;
                state = State.PROTECTED;
            } catch (TransportException e) {
                // A refusing standby sends REFUSE and closes the link; our send may notice the close
                // first. The refusal is already on its way to the acknowledgement reader: let it land.
                awaitAckReader(1_000);
                throw new ProtectionException(refused != null ? ProtectionException.Reason.STANDBY_REFUSED
                        : ProtectionException.Reason.STANDBY_UNREACHABLE,
                        refused != null ? refused : "lost the standby during the initial copy: " + e.getMessage(), e);
            } catch (HypervisorException | CheckpointDeviceException e) {
                throw new ProtectionException(ProtectionException.Reason.VM_NOT_PROTECTABLE,
                        "cannot capture VM " + vmName + ": " + e.getMessage(), e);
            }
        }

        /**
         * Epoch 0 of a backend stream: the backend's thread starts (and stays: it is the epoch
         * thread), writes the initial copy and its first checkpoint; the standby applies it.
         */
        private void streamInitialSync(StreamCheckpointing streaming) throws ProtectionException {
            long t0 = System.nanoTime();
            try {
                synchronized (writer) {
                    writer.writeHeader(StreamHeader.current(vmName, StreamFormat.HEADER_FLAG_BACKEND_STREAM
                            | (vm.spec().hasReplicatedDisks() ? StreamFormat.HEADER_FLAG_REPLICATED_DISKS : 0)));
                    writer.writeVmSpec(vm.backend(), vm.spec());
                }
            } catch (TransportException e) {
                throw new ProtectionException(ProtectionException.Reason.STANDBY_UNREACHABLE,
                        "lost the standby during the initial copy: " + e.getMessage(), e);
            }
            vm.setOutputGate(gate);
            streamEpochs = new StreamEpochs(writer, gate, devices, vm.spec(), new StreamEpochs.Loop() {
                @Override
                public boolean awaitNextEpoch() {
                    return Connection.this.awaitNextEpoch();
                }

                @Override
                public void closing(long n, long outputs) {
                    outputsPerEpoch.put(n, outputs);
                    nextEpoch = n + 1;
                    lastCaptureNanos = System.nanoTime();
                    capturedAt[(int) (n & 63)] = lastCaptureNanos;
                    epochsCaptured.incrementAndGet();
                }

                @Override
                public void sent(long n) {
                    epochSent(n);
                }

                @Override
                public boolean ended() {
                    return ended;
                }
            });
            epochThread = new Thread(() -> streamLoop(streaming), "kemari-stream-" + vmName);
            epochThread.setDaemon(true);
            epochThread.start();
            awaitAck(0, settings.initialSyncTimeoutMillis());
            LOG.info("VM {} is protected by standby {}: the backend's initial copy and first checkpoint in {} ms",
                    vmName, standby, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            message = "protected by " + standby + " (backend checkpoint stream)";
            copying = null;
            state = State.PROTECTED;
        }

        /** The epoch thread of a backend stream: runs until the stream ends, then ends the connection as the epoch loop does. */
        private void streamLoop(StreamCheckpointing streaming) {
            Exception failed = null;
            try {
                streaming.streamCheckpoints(streamEpochs);
            } catch (HypervisorException | RuntimeException e) {
                failed = e;
            }
            if (ended) {
                return;
            }
            Exception cause = streamEpochs.failure();
            if (cause instanceof TransportException) {
                standbyLost(this, cause.getMessage());
                return;
            }
            Exception why = cause != null ? cause : failed;
            if (vm.state().isTerminal()) {
                LOG.info("VM {} has {}; protection ends", vmName, vm.state().name().toLowerCase());
            } else {
                LOG.error("VM {}: the backend's checkpoint stream ended, protection ends: {}", vmName,
                        why == null ? "the backend stopped on its own" : why.toString(), why);
            }
            message = vm.state().isTerminal() ? "the VM has " + vm.state().name().toLowerCase()
                    : "checkpoint stream failed: " + (why == null ? "the backend stopped" : why.getMessage());
            streamEnd = message;
            state = State.ENDED;
            endOrderly(true);
        }

        private void awaitAckReader(long millis) {
            Thread t = ackThread;
            if (t == null) {
                return;
            }
            try {
                t.join(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void awaitAck(long epoch, long timeoutMillis) throws ProtectionException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            lock.lock();
            try {
                while (acked < epoch && refused == null && !ended) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new ProtectionException(ProtectionException.Reason.STANDBY_UNREACHABLE,
                                "standby " + standby + " did not acknowledge the initial copy within " + timeoutMillis + " ms");
                    }
                    changed.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProtectionException(ProtectionException.Reason.STANDBY_UNREACHABLE, "interrupted", e);
            } finally {
                lock.unlock();
            }
            if (refused != null) {
                throw new ProtectionException(ProtectionException.Reason.STANDBY_REFUSED, refused);
            }
            if (acked < epoch) {
                String vmSide = streamEnd;
                if (vmSide != null) {
                    // Not the standby's doing: say what happened to the VM.
                    throw new ProtectionException(ProtectionException.Reason.VM_NOT_PROTECTABLE,
                            "VM " + vmName + " could not be protected: " + vmSide + " during the initial copy");
                }
                String why = lostDuringCopy;
                throw new ProtectionException(ProtectionException.Reason.STANDBY_UNREACHABLE,
                        "lost standby " + standby + " during the initial copy" + (why == null ? "" : ": " + why));
            }
        }

        void startEpochs() {
            if (streamEpochs != null) {
                return; // the backend's stream thread is the epoch thread, running since epoch 0
            }
            epochThread = new Thread(this::epochLoop, "kemari-epochs-" + vmName);
            epochThread.setDaemon(true);
            epochThread.start();
        }

        private void startAckReader() {
            ackThread = new Thread(this::ackLoop, "kemari-acks-" + vmName);
            ackThread.setDaemon(true);
            ackThread.start();
        }

        /** Captures and ships epochs as the checkpoint policy asks, at most maxEpochsInFlight unacknowledged. */
        private void epochLoop() {
            long[] outputs = new long[1];
            try {
                while (!ended) {
                    if (!awaitNextEpoch()) {
                        continue;
                    }
                    long n = nextEpoch;
                    long outputWait = gate.nanosSinceOldestWaiting();
                    CapturedEpoch e = capturer.capture(n, pool, outputs);
                    outputsPerEpoch.put(n, outputs[0]);
                    nextEpoch = n + 1;
                    lastCaptureNanos = e.capturedAtNanos();
                    epochsCaptured.incrementAndGet();
                    metrics.paused(e.timings());
                    capturedAt[(int) (n & 63)] = e.capturedAtNanos();
                    observer.captured(n, e.timings(), e.pageCount(), outputWait);
                    long s0 = System.nanoTime();
                    ship(e, true);
                    observer.shipped(n, System.nanoTime() - s0);
                }
            } catch (TransportException e) {
                standbyLost(this, e.getMessage());
            } catch (HypervisorException | CheckpointDeviceException | RuntimeException e) {
                if (stopping) {
                    // Fenced by the standby or stopped by the operator: that path stopped the VM under
                    // this capture, has said why and ends the session; "the VM has stopped" would hide it.
                    return;
                }
                if (vm.state().isTerminal()) {
                    LOG.info("VM {} has {}; protection ends", vmName, vm.state().name().toLowerCase());
                } else {
                    LOG.error("VM {}: taking an epoch failed, protection ends: {}", vmName, e.toString(), e);
                }
                message = vm.state().isTerminal() ? "the VM has " + vm.state().name().toLowerCase()
                        : "epoch capture failed: " + e.getMessage();
                state = State.ENDED;
                // The standby must not resurrect a VM that stopped, nor run a copy of one that runs on here.
                endOrderly(true);
            }
        }

        /** Waits until the policy wants an epoch and the pipeline has room; false to re-check. */
        private boolean awaitNextEpoch() {
            lock.lock();
            try {
                while (!ended) {
                    if (vm.state().isTerminal()) {
                        throw new IllegalStateException("VM " + vmName + " is " + vm.state().name().toLowerCase());
                    }
                    boolean room = nextEpoch - 1 - acked < settings.maxEpochsInFlight();
                    CheckpointPolicy policy = services.checkpointPolicy();
                    long wait;
                    if (policy == null) {
                        // No policy installed: hold nothing back; event-driven behaviour keeps the promise.
                        wait = gate.pendingInOpenEpoch() > 0 ? 0 : CheckpointPolicy.NO_EPOCH_NEEDED;
                        policyName = "none (event-driven)";
                    } else {
                        CheckpointView view = new CheckpointView(System.nanoTime() - lastCaptureNanos,
                                (int) Math.min(Integer.MAX_VALUE, gate.pendingInOpenEpoch()), gate.nanosSinceOldestWaiting(),
                                nextEpoch - 1 > acked);
                        wait = policy.nanosUntilNextEpoch(view);
                        policyName = policy.name();
                    }
                    if (wait <= 0 && room) {
                        return true;
                    }
                    long nanos = !room || wait == CheckpointPolicy.NO_EPOCH_NEEDED ? TimeUnit.MILLISECONDS.toNanos(50) : wait;
                    changed.awaitNanos(nanos);
                }
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ended = true;
                return false;
            } finally {
                lock.unlock();
            }
        }

        /**
         * Sends one captured epoch (opening it unless it is already open, as epoch 0 is after
         * pre-copy); its page buffer goes back to the pool once sent.
         */
        private void ship(CapturedEpoch e, boolean open) throws TransportException {
            PageRuns runs = e.runs();
            List<DiskWriteOutput> writes = devices.replicatedWrites(e.number());
            if (open) {
                long records = 0;
                for (int i = 0; i < runs.runCount(); i++) {
                    records += writer.runsFor(runs.length(i));
                }
                records += e.state().records().size();
                for (DiskWriteOutput w : writes) {
                    records += writer.diskWriteRecordsFor(w.size());
                }
                writer.beginEpoch(e.number(), e.pageCount(), records);
            }
            ByteBuffer pages = e.pages();
            int offset = 0;
            for (int i = 0; i < runs.runCount(); i++) {
                int bytes = runs.length(i) * 4096;
                writer.pages(runs.start(i), pages.slice(offset, bytes));
                offset += bytes;
            }
            writer.state(e.state());
            // Replicated disks: the epoch that has a write in flight carries its data (see DiskWriteOutput).
            for (DiskWriteOutput w : writes) {
                writer.diskWrite(w.deviceId(), w.offset(), w.data());
            }
            writer.endEpoch();
            epochSent(e.number());
            pool.give(pages);
        }

        /** Epoch {@code n} is on the link: what it took of the stream since the one before. */
        private void epochSent(long n) {
            long total = writer.bytesSent();
            metrics.epochSent(n, total - bytesBeforeEpoch);
            bytesBeforeEpoch = total;
        }

        /** Reads acknowledgements and refusals; watches the standby's heartbeat. */
        private void ackLoop() {
            long silenceNanos = TimeUnit.MILLISECONDS.toNanos(settings.standbySilenceMillis());
            try {
                while (!ended) {
                    ByteBuffer frame = link.receive(20);
                    if (frame == null) {
                        if (link.nanosSinceLastReceived() > silenceNanos) {
                            throw new TransportException(TransportException.Reason.LINK_LOST, "standby " + standby
                                    + " silent for " + TimeUnit.NANOSECONDS.toMillis(link.nanosSinceLastReceived()) + " ms");
                        }
                        continue;
                    }
                    for (StreamRecord r : control.decodeFrame(frame)) {
                        if (r instanceof Ack ack) {
                            acknowledged(ack.epoch());
                        } else if (r instanceof Fence fence) {
                            fenced(fence.epoch());
                            return;
                        } else if (r instanceof Refuse refuse) {
                            refused = "standby " + standby + " refused: " + refuse.text();
                            LOG.error("VM {}: {}", vmName, refused);
                            signal();
                            throw new TransportException(TransportException.Reason.INCOMPATIBLE_PEER, refused);
                        }
                    }
                }
            } catch (TransportException e) {
                if (!ended) {
                    if (state == State.SYNCHRONIZING) {
                        lostDuringCopy = e.getMessage();
                        ended = true;
                        signal();
                    } else {
                        standbyLost(this, e.getMessage());
                    }
                }
            } catch (StreamFormatException e) {
                if (!ended) {
                    standbyLost(this, "standby sent a malformed acknowledgement: " + e.getMessage());
                }
            }
        }

        /**
         * The standby takes over: this copy must stop now and release nothing more, or two copies
         * of the VM would run with their outputs visible.
         */
        private void fenced(long epoch) {
            LOG.error("VM {}: standby {} is taking it over from epoch {}; stopping this copy (nothing held is released)",
                    vmName, standby, epoch);
            stopping = true;
            message = "fenced: standby " + standby + " took the VM over from epoch " + epoch + "; this copy was stopped";
            state = State.ENDED;
            // Stop the VM before its gate goes: nothing it produces from now on may get out.
            vm.close();
            end(false, "fenced by the standby");
        }

        private void acknowledged(long epoch) {
            long now = System.nanoTime();
            for (long k = Math.max(1, acked + 1); k <= epoch; k++) {
                long latency = now - capturedAt[(int) (k & 63)];
                metrics.acknowledged(latency);
                observer.acknowledged(k, latency);
            }
            long released = 0;
            for (Map.Entry<Long, Long> entry : List.copyOf(outputsPerEpoch.entrySet())) {
                if (entry.getKey() <= epoch) {
                    released += entry.getValue();
                    outputsPerEpoch.remove(entry.getKey());
                }
            }
            acked = epoch;
            gate.committed(epoch, released);
            devices.commit(epoch);
            signal();
        }

        /**
         * Ends protection on purpose: stops taking epochs, tells the standby to discard its copy
         * (so it does not take over when the link closes), then ends the connection.
         */
        void endOrderly(boolean releaseOutputs) {
            ended = true;
            signal();
            Thread t = epochThread;
            boolean writerFree = true;
            if (t != null && t != Thread.currentThread()) {
                try {
                    t.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (t.isAlive()) {
                    // Still inside a send on a stuck link: the writer is not ours to use.
                    writerFree = false;
                    LOG.warn("VM {}: the epoch thread did not stop within 5 s; ending protection anyway", vmName);
                }
            }
            try {
                if (closed.get() || !writerFree || !link.isOpen()) {
                    end(releaseOutputs, "protection ended");
                    return;
                }
                // Also inside an epoch (a failed capture or ship): the standby then drops that epoch.
                synchronized (writer) {
                    writer.endOfProtection(nextEpoch - 1);
                }
            } catch (TransportException | RuntimeException e) {
                LOG.warn("VM {}: could not tell standby {} that protection ends: {}", vmName, standby, e.getMessage());
            }
            end(releaseOutputs, "protection ended");
        }

        /** Ends this connection; held outputs are released (VM runs on) or discarded (VM gone). */
        void end(boolean releaseOutputs, String why) {
            ended = true;
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            signal();
            vm.setOutputGate(null);
            if (devices != null) {
                devices.teardown(releaseOutputs && !vm.state().isTerminal());
            }
            if (gate != null) {
                if (releaseOutputs && !vm.state().isTerminal()) {
                    gate.releaseAll();
                } else {
                    gate.discardAll();
                }
            }
            outputsPerEpoch.clear();
            try {
                // A backend stream tracks dirty pages itself, and stops when its stream ends.
                if (!vm.state().isTerminal() && !(vm instanceof StreamCheckpointing)) {
                    vm.stopDirtyTracking();
                }
            } catch (HypervisorException e) {
                LOG.warn("VM {}: could not stop dirty tracking: {}", vmName, e.getMessage());
            }
            link.close();
            LOG.debug("VM {}: connection to {} ended: {}", vmName, standby, why);
        }
    }
}
