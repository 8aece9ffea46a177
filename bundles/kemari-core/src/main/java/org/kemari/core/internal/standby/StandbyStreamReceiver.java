package org.kemari.core.internal.standby;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.OptionalLong;

import org.kemari.api.epoch.StreamFormatException;
import org.kemari.core.internal.stream.FramedRecord;
import org.kemari.core.internal.stream.StreamDecoder;
import org.kemari.core.internal.stream.StreamHeader;

/**
 * The standby's end of one link: decodes each received frame and feeds the records to an
 * {@link EpochAssembler}. The engine acks every epoch this returns and, on a
 * {@link StreamFormatException}, sends {@code Refuse.of(e)} and closes the link.
 */
public final class StandbyStreamReceiver {
    private final StreamDecoder decoder = new StreamDecoder();
    private final EpochAssembler assembler;

    public StandbyStreamReceiver(CommittedState store, ImageFactory images) {
        this.assembler = new EpochAssembler(store, images);
    }

    /**
     * Takes one frame.
     *
     * @return the epochs committed by this frame, in order (usually zero or one)
     */
    public long[] onFrame(ByteBuffer frame) throws StreamFormatException, IOException, StandbyRefusal {
        if (assembler.failed()) {
            throw new IllegalStateException("this stream already failed; start a new one");
        }
        boolean first = decoder.header() == null;
        List<FramedRecord> records;
        try {
            records = decoder.decodeFrame(frame);
        } catch (StreamFormatException e) {
            throw assembler.fail(e);
        }
        if (first) {
            assembler.start(decoder.header());
        }
        long[] committed = new long[0];
        for (FramedRecord r : records) {
            OptionalLong c = assembler.accept(r);
            if (c.isPresent()) {
                committed = java.util.Arrays.copyOf(committed, committed.length + 1);
                committed[committed.length - 1] = c.getAsLong();
            }
        }
        return committed;
    }

    /** Who decides, when the VM_SPEC arrives, whether this standby takes the VM. */
    public void specGate(SpecGate gate) {
        assembler.specGate(gate);
    }

    /** Where BACKEND_STREAM bytes go (a stream whose header has the BACKEND_STREAM flag). */
    public void backendStreamTarget(BackendStreamTarget target) {
        assembler.backendStreamTarget(target);
    }

    /** The link ended (closed or failed); TRUNCATED if it ended inside an epoch. */
    public void onLinkEnded() throws StreamFormatException {
        assembler.linkEnded();
    }

    /** The stream's header, or null before the first frame. */
    public StreamHeader header() {
        return decoder.header();
    }

    public boolean failed() {
        return assembler.failed();
    }

    public long nextEpoch() {
        return assembler.nextEpoch();
    }

    /** Whether the primary ended protection on purpose: the copy is to be discarded, not run. */
    public boolean protectionEnded() {
        return assembler.protectionEnded();
    }

    /** The VM's spec once its VM_SPEC record has arrived (before any commit), else null. */
    public org.kemari.api.hv.VmSpec vmSpec() {
        return assembler.spec();
    }

    /** The backend the VM_SPEC record names, else null. */
    public String backend() {
        return assembler.backend();
    }
}
