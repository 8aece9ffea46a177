package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.kemari.api.epoch.RecordType;
import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.epoch.StreamFormatException.Reason;

/**
 * The standby's reader of one link's epoch stream: the first frame opens with the
 * {@link StreamHeader}, and every frame holds whole records. Not thread-safe; one per link.
 */
public final class StreamDecoder {
    private final RecordDecoder records = new RecordDecoder();
    private StreamHeader header;
    private long recordIndex;

    /** The stream's header, or null before the first frame. */
    public StreamHeader header() {
        return header;
    }

    /**
     * Decodes one frame. Page and disk data in the result are views into {@code frame}: consume
     * them before the frame's buffer is reused.
     */
    public List<FramedRecord> decodeFrame(ByteBuffer frame) throws StreamFormatException {
        ByteBuffer f = frame.slice().order(StreamFormat.ORDER);
        if (header == null) {
            header = StreamHeader.decode(f);
        }
        List<FramedRecord> out = new ArrayList<>();
        while (f.hasRemaining()) {
            FramedRecord r = records.next(f, recordIndex++);
            if (r.body() != null && (r.body().type() == RecordType.ACK || r.body().type() == RecordType.REFUSE
                    || r.body().type() == RecordType.FENCE)) {
                throw new StreamFormatException(Reason.MALFORMED, "control record " + r.body().type()
                        + " arrived in the epoch stream (the peer may be another standby)");
            }
            out.add(r);
        }
        return out;
    }
}
