package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.kemari.api.epoch.RecordType;
import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.epoch.StreamFormatException.Reason;

/**
 * The standby-to-primary direction: ACK and REFUSE records, framed like the epoch stream but
 * without a stream header (the primary's header already fixed the version). Not thread-safe.
 */
public final class ControlChannel {
    private final RecordEncoder encoder = new RecordEncoder();
    private final RecordDecoder decoder = new RecordDecoder();
    private long index;

    /** A frame acknowledging {@code epoch}. */
    public ByteBuffer ackFrame(long epoch) {
        return encoder.encodeToBuffer(new Ack(epoch));
    }

    /** A frame fencing the primary: the standby takes over from {@code epoch}. */
    public ByteBuffer fenceFrame(long epoch) {
        return encoder.encodeToBuffer(new Fence(epoch));
    }

    /** A frame refusing the stream. */
    public ByteBuffer refuseFrame(Refuse refuse) {
        return encoder.encodeToBuffer(refuse);
    }

    /**
     * The control records of one frame received by the primary (ACK or REFUSE; anything else is
     * MALFORMED, skippable unknown records are dropped).
     */
    public List<StreamRecord> decodeFrame(ByteBuffer frame) throws StreamFormatException {
        ByteBuffer f = frame.slice().order(StreamFormat.ORDER);
        List<StreamRecord> out = new ArrayList<>();
        while (f.hasRemaining()) {
            FramedRecord r = decoder.next(f, index++);
            if (r.skipped()) {
                continue;
            }
            RecordType t = r.body().type();
            if (t != RecordType.ACK && t != RecordType.REFUSE && t != RecordType.FENCE) {
                throw new StreamFormatException(Reason.MALFORMED, "record " + t
                        + " arrived on the control channel (the peer may be another primary)");
            }
            out.add(r.body());
        }
        return out;
    }
}
