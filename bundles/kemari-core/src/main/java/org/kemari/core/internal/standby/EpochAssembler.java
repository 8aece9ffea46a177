package org.kemari.core.internal.standby;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.epoch.StreamFormatException.Reason;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.StateRecord;
import org.kemari.api.hv.VmSpec;
import org.kemari.core.internal.stream.BackendStreamChunk;
import org.kemari.core.internal.stream.DiskWrite;
import org.kemari.core.internal.stream.EpochBegin;
import org.kemari.core.internal.stream.EpochDigest;
import org.kemari.core.internal.stream.EpochEnd;
import org.kemari.core.internal.stream.FramedRecord;
import org.kemari.core.internal.stream.PageRun;
import org.kemari.core.internal.stream.StateEntry;
import org.kemari.core.internal.stream.StreamHeader;
import org.kemari.core.internal.stream.StreamRecord;
import org.kemari.core.internal.stream.EndOfProtection;
import org.kemari.core.internal.stream.VmSpecRecord;
import org.kemari.core.internal.stream.Wire;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stages the epochs of one stream and commits each into the {@link CommittedState} only after
 * its EPOCH_END checks out: number (exactly the last committed + 1, 0 first), record and page
 * counts, and the epoch CRC. Epoch 0 fills a fresh image that replaces the committed one at
 * commit; later epochs stage their pages and apply them at commit. On any error the staged epoch
 * is dropped, the committed state is left as it was, and the assembler refuses further records:
 * the link must be closed and a new stream started. Not thread-safe; one per stream.
 */
public final class EpochAssembler {
    private static final Logger LOG = LoggerFactory.getLogger(EpochAssembler.class);

    private enum Phase { AWAIT_HEADER, AWAIT_SPEC, BETWEEN_EPOCHS, IN_EPOCH, FAILED, ENDED }

    private final CommittedState store;
    private final ImageFactory images;
    private final PageStaging staging = new PageStaging();
    private final EpochDigest digest = new EpochDigest();
    private final List<StateRecord> stagedState = new ArrayList<>();
    private final List<CommittedDiskWrite> stagedWrites = new ArrayList<>();
    private Phase phase = Phase.AWAIT_HEADER;
    private StreamHeader header;
    private String backend;
    private VmSpec spec;
    private long nextEpoch;
    private EpochBegin begin;
    private long stagedPages;
    /** Later epochs' backend stream bytes, passed on only once the epoch checks out. */
    private final List<ByteBuffer> stagedStream = new ArrayList<>();
    private BackendStreamTarget streamTarget;
    private SpecGate specGate = SpecGate.ANY;
    /** Epoch 0's image, filled directly; committed or closed, never half-kept. */
    private CommittedImage initialImage;

    public EpochAssembler(CommittedState store, ImageFactory images) {
        this.store = Objects.requireNonNull(store, "store");
        this.images = Objects.requireNonNull(images, "images");
    }

    /** Where a stream with BACKEND_STREAM records goes; needed before such a stream's epoch 0. */
    public void backendStreamTarget(BackendStreamTarget target) {
        this.streamTarget = target;
    }

    /** Who decides whether the VM_SPEC's VM is taken; by default every VM is. */
    public void specGate(SpecGate gate) {
        this.specGate = Objects.requireNonNull(gate, "gate");
    }

    /** Takes the stream's header (VM name, flags). */
    public void start(StreamHeader h) throws StreamFormatException {
        expectPhase(Phase.AWAIT_HEADER, "stream header");
        if (!h.vmName().equals(store.vmName())) {
            throw fail(new StreamFormatException(Reason.MALFORMED, "the stream is for VM '" + h.vmName()
                    + "' but this standby protects '" + store.vmName() + "'"));
        }
        header = h;
        phase = Phase.AWAIT_SPEC;
    }

    /**
     * Takes the next record.
     *
     * @return the epoch this record committed (its EPOCH_END), or empty
     * @throws StreamFormatException the stream is wrong; nothing of the staged epoch was kept
     * @throws IOException the standby could not create the memory image for epoch 0
     * @throws StandbyRefusal the {@link SpecGate} refused the VM
     */
    public OptionalLong accept(FramedRecord r) throws StreamFormatException, IOException, StandbyRefusal {
        if (phase == Phase.FAILED) {
            throw new IllegalStateException("this stream already failed; start a new one");
        }
        if (phase == Phase.AWAIT_HEADER) {
            throw new IllegalStateException("start(header) first");
        }
        try {
            return dispatch(r);
        } catch (StreamFormatException e) {
            throw fail(e);
        } catch (IOException | StandbyRefusal | RuntimeException e) {
            discard();
            phase = Phase.FAILED;
            throw e;
        }
    }

    private OptionalLong dispatch(FramedRecord r) throws StreamFormatException, IOException, StandbyRefusal {
        StreamRecord body = r.body();
        if (phase == Phase.ENDED) {
            // The grammar ends with END_OF_PROTECTION: whatever follows is a broken or hostile peer.
            throw new StreamFormatException(Reason.MALFORMED, (body == null ? "record type " + r.typeCode() : body.type())
                    + " after END_OF_PROTECTION (nothing may follow it)");
        }
        if (body instanceof EpochEnd end) {
            requireIn(r);
            return OptionalLong.of(end(end));
        }
        if (phase == Phase.IN_EPOCH) {
            digest.add(r.crc());
        }
        if (body == null) {
            LOG.debug("skipping record of unknown type {} marked skippable", r.typeCode());
            return OptionalLong.empty();
        }
        if (body instanceof EndOfProtection e) {
            if (phase == Phase.IN_EPOCH) {
                // The primary abandoned the epoch it was sending (e.g. its capture failed): drop it.
                LOG.debug("{}: the primary ended protection inside epoch {}; that epoch is discarded", store.vmName(),
                        begin.epoch());
                discard();
            }
            LOG.debug("{}: the primary ended protection after epoch {}", store.vmName(), e.lastEpoch());
            phase = Phase.ENDED;
        } else if (body instanceof VmSpecRecord s) {
            spec(s);
        } else if (body instanceof EpochBegin b) {
            begin(b, r.crc());
        } else if (body instanceof PageRun p) {
            requireIn(r);
            pages(p);
        } else if (body instanceof StateEntry s) {
            requireIn(r);
            stagedState.add(s.state());
        } else if (body instanceof DiskWrite w) {
            requireIn(r);
            diskWrite(w);
        } else if (body instanceof BackendStreamChunk c) {
            requireIn(r);
            backendStream(c);
        } else {
            throw new StreamFormatException(Reason.MALFORMED, body.type() + " does not belong in the epoch stream");
        }
        return OptionalLong.empty();
    }

    /** The link ended: fine between epochs, TRUNCATED inside one (the staged epoch is dropped). */
    public void linkEnded() throws StreamFormatException {
        if (phase == Phase.IN_EPOCH) {
            throw fail(new StreamFormatException(Reason.TRUNCATED, "the link ended inside epoch " + begin.epoch()
                    + " after " + (digest.records() - 1) + " of its records"));
        }
        if (phase != Phase.FAILED) {
            discard();
        }
    }

    /**
     * Drops the staged epoch, marks the stream failed and returns the error with the committed
     * epoch added to its message, for the log and the REFUSE text.
     */
    public StreamFormatException fail(StreamFormatException e) {
        discard();
        phase = Phase.FAILED;
        long committed = store.epoch();
        String kept = committed < 0 ? "nothing committed yet" : "standby keeps committed epoch " + committed;
        StreamFormatException wrapped = new StreamFormatException(e.reason(),
                store.vmName() + ": " + e.getMessage() + "; " + kept, e.getCause() != null ? e.getCause() : e);
        // The engine logs the refusal once, with the peer; here it would be a second line.
        LOG.debug("{} stream refused ({}): {}", store.vmName(), e.reason(), wrapped.getMessage());
        return wrapped;
    }

    public boolean inEpoch() {
        return phase == Phase.IN_EPOCH;
    }

    public boolean failed() {
        return phase == Phase.FAILED;
    }

    /** Whether the primary ended protection on purpose (END_OF_PROTECTION arrived). */
    public boolean protectionEnded() {
        return phase == Phase.ENDED;
    }

    /** The epoch the stream must send next. */
    public long nextEpoch() {
        return nextEpoch;
    }

    /** The VM's spec from the stream's VM_SPEC record (before anything is committed), or null. */
    public VmSpec spec() {
        return spec;
    }

    /** The backend named by the VM_SPEC record, or null. */
    public String backend() {
        return backend;
    }

    private void spec(VmSpecRecord s) throws StreamFormatException, StandbyRefusal {
        if (phase != Phase.AWAIT_SPEC) {
            throw new StreamFormatException(Reason.MALFORMED, "VM_SPEC arrived "
                    + (phase == Phase.IN_EPOCH ? "inside epoch " + begin.epoch() : "a second time"));
        }
        if (!s.spec().name().equals(header.vmName())) {
            throw new StreamFormatException(Reason.MALFORMED, "VM_SPEC names VM '" + s.spec().name()
                    + "' but the stream header names '" + header.vmName() + "'");
        }
        specGate.admit(s.backend(), s.spec());
        backend = s.backend();
        spec = s.spec();
        phase = Phase.BETWEEN_EPOCHS;
    }

    private void begin(EpochBegin b, int crc) throws StreamFormatException, IOException {
        if (phase == Phase.AWAIT_SPEC) {
            throw new StreamFormatException(Reason.MALFORMED, "epoch " + b.epoch() + " began before the VM_SPEC");
        }
        if (phase == Phase.IN_EPOCH) {
            throw new StreamFormatException(Reason.MALFORMED, "epoch " + b.epoch() + " began inside epoch "
                    + begin.epoch() + ", which never ended");
        }
        if (b.epoch() != nextEpoch) {
            throw new StreamFormatException(Reason.OUT_OF_ORDER, b.epoch() < nextEpoch
                    ? "epoch " + b.epoch() + " arrived again (epoch " + (nextEpoch - 1) + " is already committed)"
                    : "epoch " + b.epoch() + " arrived but epoch " + nextEpoch + " is next (" + (b.epoch() - nextEpoch)
                    + " missing)");
        }
        begin = b;
        digest.reset();
        digest.add(crc);
        stagedPages = 0;
        phase = Phase.IN_EPOCH;
        if (b.epoch() == 0) {
            initialImage = images.create(spec.name(), spec.memoryBytes());
        }
    }

    private void pages(PageRun p) throws StreamFormatException {
        if (header.backendStream()) {
            throw new StreamFormatException(Reason.MALFORMED, "epoch " + begin.epoch()
                    + " carries PAGES in a stream whose epochs are the backend's own stream");
        }
        long vmPages = spec.memoryBytes() / StreamPages.PAGE_SIZE;
        if (p.firstPage() > vmPages - p.pageCount()) {
            throw new StreamFormatException(Reason.MALFORMED, "epoch " + begin.epoch() + " writes pages "
                    + p.firstPage() + ".." + (p.firstPage() + p.pageCount() - 1) + ", outside the VM's "
                    + vmPages + " pages (" + StreamPages.mib(spec.memoryBytes()) + ")");
        }
        if (initialImage != null) {
            initialImage.write(p.firstPage() * StreamPages.PAGE_SIZE, p.data());
        } else {
            staging.add(p.firstPage(), p.data());
        }
        stagedPages += p.pageCount();
    }

    private void backendStream(BackendStreamChunk c) throws StreamFormatException, IOException {
        if (!header.backendStream()) {
            throw new StreamFormatException(Reason.MALFORMED, "epoch " + begin.epoch()
                    + " carries backend stream bytes but the stream header did not announce them");
        }
        if (streamTarget == null) {
            throw new IOException("this standby has nowhere to put a backend checkpoint stream");
        }
        if (begin.epoch() == 0) {
            // The backend itself keeps the initial copy invisible until its first checkpoint.
            streamTarget.write(c.data());
        } else {
            ByteBuffer copy = ByteBuffer.allocate(c.data().remaining());
            copy.put(c.data().duplicate()).flip();
            stagedStream.add(copy);
        }
    }

    private void diskWrite(DiskWrite w) throws StreamFormatException {
        if (!header.replicatedDisks()) {
            throw new StreamFormatException(Reason.MALFORMED, "epoch " + begin.epoch()
                    + " carries a disk write but the stream header did not announce replicated disks");
        }
        if (spec.disks().stream().noneMatch(d -> d.id().equals(w.diskId()))) {
            throw new StreamFormatException(Reason.MALFORMED, "epoch " + begin.epoch() + " writes to disk '"
                    + w.diskId() + "', which the VM does not have");
        }
        ByteBuffer copy = ByteBuffer.allocate(w.data().remaining());
        copy.put(w.data().duplicate()).flip();
        stagedWrites.add(new CommittedDiskWrite(begin.epoch(), w.diskId(), w.offset(), copy));
    }

    private long end(EpochEnd end) throws StreamFormatException, IOException {
        long n = begin.epoch();
        long records = digest.records() - 1;
        if (end.epoch() != n) {
            throw new StreamFormatException(Reason.OUT_OF_ORDER, "epoch " + n + " was closed by the end record of epoch " + end.epoch());
        }
        if (end.recordCount() != records || (begin.recordsKnown() && begin.expectedRecords() != records)) {
            throw new StreamFormatException(Reason.MALFORMED, "epoch " + n + " has " + records
                    + " records but its end record says " + end.recordCount()
                    + (begin.recordsKnown() ? " and its begin record " + begin.expectedRecords() : ""));
        }
        if (end.pageCount() != stagedPages || (begin.pagesKnown() && begin.expectedPages() != stagedPages)) {
            throw new StreamFormatException(Reason.MALFORMED, "epoch " + n + " has " + stagedPages
                    + " pages but its end record says " + end.pageCount()
                    + (begin.pagesKnown() ? " and its begin record " + begin.expectedPages() : ""));
        }
        if (end.epochCrc() != digest.value()) {
            throw new StreamFormatException(Reason.BAD_CHECKSUM, "epoch " + n + " checksum mismatch: end record says "
                    + Wire.hex(end.epochCrc()) + ", records give " + Wire.hex(digest.value()));
        }
        MachineState state = new MachineState(backend, stagedState);
        if (header.backendStream()) {
            // Checked whole: only now may the backend see this epoch's bytes.
            for (ByteBuffer b : stagedStream) {
                streamTarget.write(b);
            }
            store.commitStream(n, backend, spec, state, List.copyOf(stagedWrites));
        } else if (initialImage != null) {
            store.commitInitial(n, backend, spec, initialImage, state, List.copyOf(stagedWrites));
            initialImage = null;
        } else {
            store.commitIncremental(n, staging, state, List.copyOf(stagedWrites));
        }
        clearStaged();
        nextEpoch = n + 1;
        phase = Phase.BETWEEN_EPOCHS;
        return n;
    }

    private void requireIn(FramedRecord r) throws StreamFormatException {
        if (phase != Phase.IN_EPOCH) {
            throw new StreamFormatException(Reason.MALFORMED, r + " record outside an epoch"
                    + (phase == Phase.AWAIT_SPEC ? " (before the VM_SPEC)" : " (after epoch " + (nextEpoch - 1) + " ended)"));
        }
    }

    private void expectPhase(Phase p, String what) {
        if (phase != p) {
            throw new IllegalStateException(what + " not expected now (" + phase + ")");
        }
    }

    private void discard() {
        if (initialImage != null) {
            initialImage.close();
            initialImage = null;
        }
        clearStaged();
    }

    private void clearStaged() {
        staging.clear();
        stagedState.clear();
        stagedWrites.clear();
        stagedStream.clear();
        stagedPages = 0;
    }
}
