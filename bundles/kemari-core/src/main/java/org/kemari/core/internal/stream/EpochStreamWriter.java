package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.StateRecord;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.transport.TransportException;

/**
 * The primary's writer of one link's epoch stream. It gathers records into frames of at most
 * {@code maxFrameBytes} and hands each frame to the sink as a list of buffers: record headers are
 * small fresh buffers, page and disk data are views of the caller's buffers, never copied.
 *
 * <p>Buffer contract: bytes passed to {@link #pages} or {@link #diskWrite} must stay unchanged
 * until the next {@link #flush()}, which {@link #endEpoch()} does. Not thread-safe.
 */
public final class EpochStreamWriter {
    /** Record overhead on top of a page run's data: record header, run head, CRC + padding. */
    private static final int RUN_OVERHEAD = StreamFormat.RECORD_HEADER_BYTES + PageRun.HEAD + StreamFormat.ALIGN;

    private final FrameSink sink;
    private final int maxFrameBytes;
    private final int runPages;
    private final RecordEncoder encoder = new RecordEncoder();
    private final EpochDigest digest = new EpochDigest();
    private final List<ByteBuffer> pending = new ArrayList<>();
    private final List<ByteBuffer> scratch = new ArrayList<>(3);
    private long pendingBytes;
    private boolean headerWritten;
    private long epoch = -1;
    private long epochPages;
    private long framesSent;
    /** Read by other threads (progress of the initial copy). */
    private volatile long bytesSent;

    /**
     * @param sink where frames go ({@code link::send})
     * @param maxFrameBytes the largest frame the link takes; at least 64 KiB
     */
    public EpochStreamWriter(FrameSink sink, int maxFrameBytes) {
        this.sink = Objects.requireNonNull(sink, "sink");
        if (maxFrameBytes < 64 * 1024) {
            throw new IllegalArgumentException("frames of at least 64 KiB are needed, got " + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
        this.runPages = Math.min(StreamFormat.WRITER_RUN_PAGES, (maxFrameBytes - RUN_OVERHEAD) / StreamFormat.PAGE_SIZE);
    }

    /** Opens the stream; must come first. */
    public void writeHeader(StreamHeader header) throws TransportException {
        if (headerWritten) {
            throw new IllegalStateException("the stream header was already written");
        }
        headerWritten = true;
        ByteBuffer b = header.encode();
        pending.add(b);
        pendingBytes += b.remaining();
    }

    /** The VM's spec and backend, once, before epoch 0. */
    public void writeVmSpec(String backend, VmSpec spec) throws TransportException {
        requireOutsideEpoch("VM_SPEC");
        add(new VmSpecRecord(backend, spec));
    }

    /**
     * Opens epoch {@code number}. Counts are checked by the standby; pass
     * {@link StreamFormat#UNKNOWN_COUNT} where they are not known yet (epoch 0's pre-copy).
     * The expected record count is of records between this one and EPOCH_END.
     */
    public void beginEpoch(long number, long expectedPages, long expectedRecords) throws TransportException {
        requireOutsideEpoch("EPOCH_BEGIN");
        digest.reset();
        epochPages = 0;
        epoch = number;
        add(new EpochBegin(number, expectedPages, expectedRecords));
    }

    /**
     * Consecutive pages starting at {@code firstPage}, {@code data.remaining()} a multiple of
     * 4096; split into runs as the frame size needs. {@code data}'s position is not moved.
     */
    public void pages(long firstPage, ByteBuffer data) throws TransportException {
        requireInsideEpoch("PAGES");
        if (data.remaining() % StreamFormat.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("page data must be whole pages, got " + data.remaining() + " bytes");
        }
        int pages = data.remaining() / StreamFormat.PAGE_SIZE;
        int base = data.position();
        for (int done = 0; done < pages; done += runPages) {
            int n = Math.min(runPages, pages - done);
            ByteBuffer run = data.slice(base + done * StreamFormat.PAGE_SIZE, n * StreamFormat.PAGE_SIZE);
            add(new PageRun(firstPage + done, run));
            epochPages += n;
        }
    }

    /** Records that will be written for {@code pages} pages by {@link #pages} (for expected counts). */
    public long runsFor(long pages) {
        return (pages + runPages - 1) / runPages;
    }

    public void state(StateRecord record) throws TransportException {
        requireInsideEpoch("STATE");
        add(new StateEntry(record));
    }

    /** Every record of the machine state, in order. */
    public void state(MachineState state) throws TransportException {
        for (StateRecord r : state.records()) {
            state(r);
        }
    }

    /** A write to disk {@code diskId} at byte {@code offset}; split into pieces that fit a frame. */
    public void diskWrite(String diskId, long offset, ByteBuffer data) throws TransportException {
        requireInsideEpoch("DISK_WRITE");
        int piece = diskWritePiece();
        int base = data.position();
        int length = data.remaining();
        int done = 0;
        do {
            int n = Math.min(piece, length - done);
            add(new DiskWrite(diskId, offset + done, data.slice(base + done, n)));
            done += n;
        } while (done < length);
    }

    /** Bytes of the backend's own checkpoint stream; split into records that fit a frame. */
    public void backendStream(ByteBuffer data) throws TransportException {
        requireInsideEpoch("BACKEND_STREAM");
        int piece = Math.min(BackendStreamChunk.MAX_BYTES, maxFrameBytes - 1024);
        int base = data.position();
        int length = data.remaining();
        for (int done = 0; done < length; done += piece) {
            add(new BackendStreamChunk(data.slice(base + done, Math.min(piece, length - done))));
        }
    }

    /** Records that {@link #diskWrite} writes for {@code bytes} bytes of data (for expected counts). */
    public long diskWriteRecordsFor(int bytes) {
        return Math.max(1, (bytes + (long) diskWritePiece() - 1) / diskWritePiece());
    }

    private int diskWritePiece() {
        return Math.min(StreamFormat.MAX_DISK_WRITE_BYTES, maxFrameBytes - 1024);
    }

    /** Closes the epoch with its counts and digest and sends everything pending. */
    public EpochEnd endEpoch() throws TransportException {
        requireInsideEpoch("EPOCH_END");
        EpochEnd end = new EpochEnd(epoch, epochPages, digest.records() - 1, digest.value());
        epoch = -1;
        add(end);
        flush();
        return end;
    }

    /**
     * Tells the standby that protection ends on purpose, so that it discards its copy instead of
     * taking over when the link closes; flushed. Sent inside an epoch, it abandons that epoch.
     */
    public void endOfProtection(long lastEpoch) throws TransportException {
        // Inside an epoch this abandons it: the standby discards what it staged of it.
        epoch = -1;
        add(new EndOfProtection(lastEpoch));
        flush();
    }

    /** Sends what is pending as one frame. */
    public void flush() throws TransportException {
        if (pending.isEmpty()) {
            return;
        }
        ByteBuffer[] frame = pending.toArray(new ByteBuffer[0]);
        long bytes = pendingBytes;
        pending.clear();
        pendingBytes = 0;
        sink.send(frame);
        framesSent++;
        bytesSent += bytes;
    }

    public boolean inEpoch() {
        return epoch >= 0;
    }

    public long framesSent() {
        return framesSent;
    }

    public long bytesSent() {
        return bytesSent;
    }

    private void add(StreamRecord r) throws TransportException {
        if (!headerWritten) {
            throw new IllegalStateException("write the stream header first");
        }
        scratch.clear();
        int crc = encoder.encode(r, scratch);
        long bytes = 0;
        for (ByteBuffer b : scratch) {
            bytes += b.remaining();
        }
        if (bytes > maxFrameBytes) {
            throw new IllegalArgumentException(r.type() + " record of " + bytes + " bytes does not fit a frame of "
                    + maxFrameBytes);
        }
        if (pendingBytes + bytes > maxFrameBytes) {
            flush();
        }
        pending.addAll(scratch);
        pendingBytes += bytes;
        if (r.type() != org.kemari.api.epoch.RecordType.EPOCH_END && inEpoch()) {
            digest.add(crc);
        }
    }

    private void requireInsideEpoch(String what) {
        if (epoch < 0) {
            throw new IllegalStateException(what + " outside an epoch");
        }
    }

    private void requireOutsideEpoch(String what) {
        if (epoch >= 0) {
            throw new IllegalStateException(what + " inside epoch " + epoch + "; end it first");
        }
    }
}
