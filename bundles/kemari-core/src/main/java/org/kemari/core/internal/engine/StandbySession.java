package org.kemari.core.internal.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.epoch.StreamVersion;
import org.kemari.api.hv.HypervisorBackend;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.StandbyStream;
import org.kemari.api.hv.StreamRestoring;
import org.kemari.api.hv.Vm;
import org.kemari.api.management.Distribution;
import org.kemari.api.management.ProtectionException;
import org.kemari.api.management.ProtectionMetrics;
import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.management.ProtectionStatus.Role;
import org.kemari.api.management.ProtectionStatus.State;
import org.kemari.api.policy.FailoverDecision;
import org.kemari.api.policy.FailoverPolicy;
import org.kemari.api.policy.HealthView;
import org.kemari.api.policy.PolicyException;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.TransportException;
import org.kemari.core.internal.standby.CommittedState;
import org.kemari.core.internal.standby.ImageFactory;
import org.kemari.core.internal.standby.StandbyRefusal;
import org.kemari.core.internal.standby.StandbyStreamReceiver;
import org.kemari.core.internal.stream.ControlChannel;
import org.kemari.core.internal.stream.Refuse;
import org.kemari.core.internal.stream.RefuseReason;
import org.kemari.core.internal.stream.StreamFormat;
import org.kemari.core.internal.stream.StreamHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standby's side of one protected VM: receives the epoch stream, commits each complete epoch
 * atomically and acknowledges it, and asks the failover policy, several times a second and
 * whenever the link fails, whether to take over. Taking over builds the VM from the last
 * committed epoch and runs it here; device models re-issue the requests pending in that state.
 *
 * <p>A stream whose epochs are a backend's own checkpoint stream (BACKEND_STREAM) goes to the
 * backend's {@link StandbyStream}: each epoch is acknowledged only once the backend has applied it,
 * and taking over asks the backend for the VM of its last applied checkpoint.
 */
final class StandbySession {
    private static final Logger LOG = LoggerFactory.getLogger(StandbySession.class);
    /** How often the failover policy is asked while the link is quiet. */
    private static final long DECIDE_EVERY_MILLIS = 10;

    private final ReplicationLink link;
    private final StandbyEnvironment env;
    private final ImageFactory images;
    private final RefusalLog refusals;
    // Made when the first frame names the VM.
    private volatile CommittedState store;
    private volatile StandbyStreamReceiver receiver;
    private final ControlChannel control = new ControlChannel();
    private final AtomicLong epochs = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();

    private volatile State state = State.SYNCHRONIZING;
    private volatile String message = "receiving the initial copy";
    private volatile boolean linkUp = true;
    private volatile boolean operatorRequested;
    private volatile boolean stopping;
    private volatile String policyName = "";
    private volatile Vm takenOver;
    private volatile long takenOverAt = -1;
    /** Failed takeover attempts; after a few, only the operator retries. */
    private volatile int takeOverFailures;
    private volatile long nextTakeOverNanos;
    private static final int MAX_AUTOMATIC_TAKEOVERS = 5;
    private static final long TAKEOVER_RETRY_MILLIS = 500;
    /** How long the backend may take to apply one checkpoint before the stream is refused. */
    private static final long APPLY_TIMEOUT_MILLIS = 120_000;
    /** The backend's standby VM, fed by a backend checkpoint stream; opened with its first bytes. */
    private volatile StandbyStream backendStandby;
    /** This node's copies of the VM's replicated disks; opened when the spec arrives. */
    private volatile ReplicaDisks replicas;

    StandbySession(ReplicationLink link, StandbyEnvironment env, ImageFactory images, RefusalLog refusals) {
        this.link = link;
        this.env = env;
        this.images = images;
        this.refusals = refusals;
    }

    /** The protected VM's name, known once its spec has arrived. */
    String vmName() {
        StandbyStreamReceiver r = receiver;
        return r == null || r.vmSpec() == null ? "(from " + link.peer() + ")" : r.vmSpec().name();
    }

    boolean hasSpec() {
        StandbyStreamReceiver r = receiver;
        return r != null && r.vmSpec() != null;
    }

    private boolean hasCommitted() {
        CommittedState s = store;
        return s != null && s.hasCommitted();
    }

    private long committedEpoch() {
        if (takenOver != null) {
            return takenOverAt;
        }
        return hasCommitted() ? store.epoch() : -1;
    }

    State state() {
        return state;
    }

    /** Runs until the session ends: by failover, by the primary ending protection, or by a refused stream. */
    void run() {
        try {
            receiveLoop();
        } finally {
            if (state == State.SYNCHRONIZING) {
                // However it ended, a session without a committed copy keeps nothing and holds no name.
                ended(stopping ? "the standby stopped" : message);
            }
            if (takenOver == null && store != null) {
                store.close();
            }
            if (takenOver == null && backendStandby != null) {
                backendStandby.close();
            }
            if (replicas != null) {
                replicas.close();
            }
            link.close();
        }
    }

    private void receiveLoop() {
        long lastDecision = 0;
        // A peer that names a VM and then sends nothing would hold the VM's name for good.
        long initialCopyDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(env.initialSyncTimeoutMillis());
        while (!stopping) {
            if (state == State.SYNCHRONIZING && linkUp && System.nanoTime() - initialCopyDeadline > 0) {
                String why = "the initial copy was not complete within " + env.initialSyncTimeoutMillis()
                        + " ms (the standby's initialSyncTimeoutMillis)";
                refuse(new Refuse(RefuseReason.STANDBY_FAILURE, StreamVersion.MAJOR, StreamVersion.MINOR, why), why);
                return;
            }
            try {
                if (!linkUp) {
                    // Nothing more will arrive; only the failover decision is left (or an operator's).
                    Thread.sleep(DECIDE_EVERY_MILLIS);
                } else {
                    ByteBuffer frame = link.receive(DECIDE_EVERY_MILLIS);
                    if (frame != null) {
                        bytesReceived.addAndGet(frame.remaining());
                        onFrame(frame);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (TransportException e) {
                if (stopping || e.reason() == TransportException.Reason.CLOSED) {
                    // Closed on this side (shutdown): not a sign that the primary failed.
                    return;
                }
                if (e.reason() == TransportException.Reason.CORRUPTED) {
                    corrupted(e.getMessage());
                    return;
                }
                linkLost(e);
            } catch (StreamFormatException e) {
                refuse(Refuse.of(e), e.getMessage());
                return;
            } catch (IOException e) {
                refuse(new Refuse(RefuseReason.STANDBY_FAILURE, StreamVersion.MAJOR, StreamVersion.MINOR,
                        "standby could not store the epoch: " + e.getMessage()), e.toString());
                return;
            } catch (StandbyRefusal e) {
                refuse(new Refuse(e.reason(), StreamVersion.MAJOR, StreamVersion.MINOR, e.getMessage()), e.getMessage());
                return;
            } catch (RuntimeException e) {
                // A bug of this node, found by what the peer sent: the stream ends, refused, and the name is free.
                String why = "standby failed on the stream: " + e;
                refusals.failed(link.peer(), why, e);
                sendRefusal(new Refuse(RefuseReason.STANDBY_FAILURE, StreamVersion.MAJOR, StreamVersion.MINOR, why));
                ended("refused the primary's stream: " + why);
                return;
            }
            long now = System.nanoTime();
            if (!linkUp || operatorRequested || now - lastDecision > TimeUnit.MILLISECONDS.toNanos(DECIDE_EVERY_MILLIS)) {
                lastDecision = now;
                if (decide()) {
                    return;
                }
            }
        }
    }

    private void onFrame(ByteBuffer frame) throws StreamFormatException, IOException, StandbyRefusal, TransportException,
            InterruptedException {
        if (receiver == null) {
            // The stream header names the VM; the store only takes that VM's stream.
            StreamHeader header = StreamHeader.decode(frame.slice().order(StreamFormat.ORDER));
            store = new CommittedState(header.vmName());
            receiver = new StandbyStreamReceiver(store, images);
            receiver.backendStreamTarget(this::backendBytes);
            receiver.specGate(this::admit);
        }
        long[] committed = receiver.onFrame(frame);
        if (committed.length > 0 && store.pendingDiskWrites() > 0) {
            // Replicated disks: a committed epoch's writes reach this node's copies before its ACK
            // (and before an END_OF_PROTECTION in the same frame ends the session).
            store.applyDiskWrites(replicas);
        }
        if (receiver.protectionEnded()) {
            LOG.info("Standby for VM {}: the primary ended protection; the copy is discarded", vmName());
            message = "the primary ended protection";
            state = State.ENDED;
            stopping = true;
            return;
        }
        for (long epoch : committed) {
            if (backendStandby != null && !backendStandby.awaitApplied(epoch, APPLY_TIMEOUT_MILLIS)) {
                throw new IOException("the " + receiver.backend() + " backend did not apply checkpoint " + epoch
                        + " within " + APPLY_TIMEOUT_MILLIS + " ms");
            }
            // Acknowledged only once applied: a takeover now runs this epoch or a later one.
            link.send(control.ackFrame(epoch));
            epochs.incrementAndGet();
            if (epoch == 0) {
                message = "keeping " + vmName() + " for primary " + link.peer();
                state = State.PROTECTED;
                LOG.info("Standby for VM {} ready: initial copy committed ({} MiB)", vmName(),
                        receiver.vmSpec().memoryBytes() >> 20);
            }
        }
    }

    /** BACKEND_STREAM bytes: the first ones open the backend's standby VM. */
    private void backendBytes(ByteBuffer bytes) throws IOException {
        if (backendStandby == null) {
            backendStandby = openBackendStandby();
        }
        backendStandby.write(bytes);
    }

    private StandbyStream openBackendStandby() throws IOException {
        HypervisorBackend backend = env.backends().find(receiver.backend()).orElseThrow();
        if (!(backend instanceof StreamRestoring restoring)) {
            throw new IOException("backend '" + receiver.backend() + "' cannot restore a checkpoint stream");
        }
        try {
            // Its replicated disks are this node's copies.
            return restoring.openStandby(replicas.localSpec(receiver.vmSpec()));
        } catch (HypervisorException e) {
            throw new IOException("backend '" + receiver.backend() + "' cannot prepare the standby VM: " + e.getMessage(), e);
        }
    }

    /**
     * The VM_SPEC arrived: refuses a VM beyond this node's limits or one it cannot take over (name
     * in use, backend missing or unusable), else opens this node's copies of its replicated disks.
     * Runs before anything of epoch 0 is taken, so a refused VM costs nothing.
     */
    private void admit(String backendName, org.kemari.api.hv.VmSpec spec) throws StandbyRefusal {
        env.standbyLimits().check(spec);
        String name = spec.name();
        if (env.vmManager().find(name).isPresent()) {
            throw new StandbyRefusal(RefuseReason.WRONG_VM, "a VM named '" + name + "' already exists on the standby");
        }
        if (env.isStandbyFor(name, this)) {
            throw new StandbyRefusal(RefuseReason.WRONG_VM, "this node is already the standby of VM '" + name + "'");
        }
        HypervisorBackend backend = env.backends().find(backendName).orElse(null);
        if (backend == null) {
            throw new StandbyRefusal(RefuseReason.STANDBY_FAILURE,
                    "backend '" + backendName + "' is not installed on the standby");
        }
        org.kemari.api.hv.BackendStatus probe = backend.probe();
        if (!probe.usable()) {
            throw new StandbyRefusal(RefuseReason.STANDBY_FAILURE,
                    "backend '" + backendName + "' is not usable on the standby: " + probe.reason());
        }
        if (spec.hasReplicatedDisks() && !receiver.header().replicatedDisks()) {
            throw new StandbyRefusal(RefuseReason.STANDBY_FAILURE, "VM '" + spec.name()
                    + "' has replicated disks, but the primary's stream does not carry disk writes");
        }
        try {
            replicas = ReplicaDisks.open(spec, env.replicatedDiskRoot());
        } catch (IOException e) {
            throw new StandbyRefusal(RefuseReason.STANDBY_FAILURE, e.getMessage());
        }
    }

    /**
     * Tells a primary that may still be alive (only slow to be heard) to stop its copy before this
     * one runs: over a link that still works the FENCE arrives after every ACK sent, so the primary
     * stops without releasing anything more. Over a dead link it cannot arrive, and need not.
     */
    private void fencePrimary(long epoch) {
        if (!link.isOpen()) {
            return;
        }
        try {
            link.send(control.fenceFrame(epoch));
        } catch (TransportException e) {
            LOG.debug("Standby for VM {}: could not fence the primary: {}", vmName(), e.getMessage());
        }
    }

    private void linkLost(TransportException e) {
        if (!linkUp) {
            return;
        }
        linkUp = false;
        try {
            if (receiver != null) {
                receiver.onLinkEnded();
            }
        } catch (StreamFormatException truncated) {
            LOG.warn("VM {}: the link ended inside an epoch; that epoch is discarded, epoch {} stays committed",
                    vmName(), committedEpoch());
        }
        if (hasCommitted()) {
            LOG.warn("Standby for VM {}: link to the primary lost: {}", vmName(), e.getMessage());
        }
        message = "link to the primary lost: " + e.getMessage();
    }

    /**
     * Damaged data arrived: the primary is alive (it just sent bytes) and, having lost its link,
     * runs on unprotected and releases its held output, so this copy must never be run.
     */
    private void corrupted(String why) {
        if (!hasCommitted()) {
            // Nothing kept, nothing to protect: a peer refused like any other.
            refusals.refused(link.peer(), "the link delivered damaged data (" + why + ")");
            ended("link corrupted (" + why + ") before the initial copy was complete");
            return;
        }
        LOG.error("Standby for VM {}: the link delivered damaged data ({}); the primary is alive, so this node will not "
                + "take over from epoch {}; waiting for the primary to reconnect", vmName(), why, committedEpoch());
        state = State.ENDED;
        message = "link corrupted (" + why + "); copy discarded, waiting for the primary to reconnect";
        stopping = true;
    }

    /** Asks the failover policy; true if the session is over (taken over or nothing to keep). */
    private boolean decide() {
        FailoverPolicy policy = env.failoverPolicy();
        HealthView health = new HealthView(vmName(), linkUp, link.nanosSinceLastReceived(),
                committedEpoch(), operatorRequested);
        FailoverDecision decision;
        if (policy == null) {
            decision = operatorRequested && health.hasCommittedState() ? FailoverDecision.takeOver("operator requested failover")
                    : FailoverDecision.stay("no failover policy installed");
            policyName = "none (manual)";
        } else {
            try {
                decision = policy.decide(health);
                policyName = policy.name();
            } catch (PolicyException | RuntimeException e) {
                message = "failover policy " + policy.name() + " could not decide: " + e.getMessage();
                LOG.error("Standby for VM {}: {}", vmName(), message);
                return false;
            }
        }
        if (decision.action() == FailoverDecision.Action.TAKE_OVER && health.hasCommittedState()) {
            boolean automaticAllowed = operatorRequested
                    || (takeOverFailures < MAX_AUTOMATIC_TAKEOVERS && System.nanoTime() >= nextTakeOverNanos);
            return automaticAllowed && takeOver(decision.reason());
        }
        if (!linkUp && !health.hasCommittedState()) {
            refusals.refused(link.peer(), (hasSpec() ? "VM " + vmName() + ": " : "") + "the primary went away before the "
                    + "initial copy was complete; nothing to keep");
            ended("primary went away before the initial copy was complete");
            return true;
        }
        return false;
    }

    /**
     * Runs the VM here from the committed epoch. A failure keeps the committed copy (the store is
     * closed only when the session ends), so the takeover is retried: automatically a few times
     * (e.g. the dead primary's process still holds a host resource for a moment), then by the
     * operator with kemari:failover.
     *
     * @return true if the VM runs here now
     */
    private boolean takeOver(String reason) {
        long t0 = System.nanoTime();
        String name = vmName();
        long epoch = store.epoch();
        LOG.warn("Standby taking over VM {} from epoch {}: {}", name, epoch, reason);
        fencePrimary(epoch);
        linkUp = false;
        link.close();
        try {
            HypervisorBackend backend = env.backends().find(store.backend()).orElseThrow(() ->
                    new HypervisorException(HypervisorException.Reason.UNAVAILABLE, "backend '" + store.backend() + "' is gone"));
            // Replicated disks: every committed write on this node's copies, durable, before the VM uses them.
            store.applyDiskWrites(replicas);
            replicas.sync();
            // A backend stream: the backend holds the last applied checkpoint itself.
            Vm vm = backendStandby != null ? backendStandby.takeOver()
                    : backend.restore(replicas.localSpec(store.spec()), store.memory(), store.machineState());
            try {
                // Registered before it runs: a VM that cannot be registered must never run here.
                env.vmManager().adopt(vm);
                vm.resume();
            } catch (HypervisorException | RuntimeException e) {
                env.vmManager().find(vm.spec().name()).filter(v -> v == vm).ifPresent(v -> env.vmManager().stop(name));
                vm.close();
                throw e;
            }
            takenOver = vm;
            takenOverAt = epoch;
            message = "took over at epoch " + epoch + " (" + reason + ") in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms; the VM runs here now, unprotected";
            state = State.FAILED_OVER;
            LOG.warn("VM {} runs on this node now: {}", name, message);
            store.close();
            return true;
        } catch (HypervisorException | IOException | RuntimeException e) {
            takeOverFailures++;
            boolean retrying = takeOverFailures < MAX_AUTOMATIC_TAKEOVERS;
            nextTakeOverNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TAKEOVER_RETRY_MILLIS);
            operatorRequested = false;
            message = "failover of " + name + " from epoch " + epoch + " FAILED (attempt " + takeOverFailures + "): "
                    + e.getMessage() + "; the committed copy is kept, "
                    + (retrying ? "retrying" : "retry with kemari:failover " + name);
            state = State.FAILOVER_FAILED;
            LOG.error("Standby: {}", message, e);
            return false;
        }
    }

    /** Ends the stream with a REFUSE: one log line (rate-limited per source), the VM's name is free again. */
    private void refuse(Refuse refuse, String why) {
        String dropped = hasCommitted() ? "; committed epoch " + committedEpoch() + " is dropped with it" : "";
        refusals.refused(link.peer(), why + dropped);
        sendRefusal(refuse);
        ended("refused the primary's stream: " + why);
    }

    private void sendRefusal(Refuse refuse) {
        try {
            link.send(control.refuseFrame(refuse));
        } catch (TransportException e) {
            LOG.debug("could not send the refusal: {}", e.getMessage());
        }
    }

    private void ended(String why) {
        message = why;
        state = State.ENDED;
    }

    /** An operator asks this standby to take over now. */
    void requestFailover() throws ProtectionException {
        if (!hasCommitted()) {
            throw new ProtectionException(ProtectionException.Reason.NO_COMMITTED_STATE,
                    "the standby of " + vmName() + " has no committed epoch yet (initial copy in progress)");
        }
        operatorRequested = true;
    }

    /** Failed takeover attempts so far. */
    int takeOverFailures() {
        return takeOverFailures;
    }

    void stop() {
        stopping = true;
        link.close();
    }

    ProtectionStatus status() {
        return new ProtectionStatus(vmName(), Role.STANDBY, state, link.peer(), committedEpoch(),
                epochs.get(), 0, 0, 0, policyName, "", message);
    }

    ProtectionMetrics metrics() {
        Distribution none = Distribution.EMPTY;
        return new ProtectionMetrics(vmName(), Role.STANDBY, epochs.get(), bytesReceived.get(), 0, 0,
                takenOver != null ? 1 : 0, none, none, none, none);
    }

}
