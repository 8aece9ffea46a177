package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;

import org.kemari.api.epoch.RecordType;
import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.epoch.StreamFormatException.Reason;

/**
 * A run of consecutive guest pages. Payload: u64 first page, u32 page count, u32 reserved (0),
 * then page count × 4096 bytes (8-aligned in the frame, since the head is 16 bytes).
 *
 * @param firstPage RAM offset / 4096 of the first page
 * @param data the pages' bytes, position to limit; not copied by the encoder (a decoded run is a
 *             view into the received frame)
 */
public record PageRun(long firstPage, ByteBuffer data) implements StreamRecord {
    static final int HEAD = 16;

    public PageRun {
        if (firstPage < 0) {
            throw new IllegalArgumentException("first page must not be negative: " + firstPage);
        }
        int bytes = data.remaining();
        if (bytes == 0 || bytes % StreamFormat.PAGE_SIZE != 0 || bytes / StreamFormat.PAGE_SIZE > StreamFormat.MAX_RUN_PAGES) {
            throw new IllegalArgumentException("a page run is 1.." + StreamFormat.MAX_RUN_PAGES
                    + " whole pages, got " + bytes + " bytes");
        }
    }

    public int pageCount() {
        return data.remaining() / StreamFormat.PAGE_SIZE;
    }

    @Override
    public RecordType type() {
        return RecordType.PAGES;
    }

    @Override
    public int headLength() {
        return HEAD;
    }

    @Override
    public void writeHead(ByteBuffer dst) {
        dst.putLong(firstPage).putInt(pageCount()).putInt(0);
    }

    @Override
    public ByteBuffer bulk() {
        return data;
    }

    static PageRun decode(ByteBuffer p) throws StreamFormatException {
        long first = p.getLong();
        long count = Wire.u32(p);
        p.getInt();
        if (count == 0 || count > StreamFormat.MAX_RUN_PAGES || first < 0) {
            throw new StreamFormatException(Reason.MALFORMED, "page run of " + count + " pages at page "
                    + Long.toUnsignedString(first) + " (runs are 1.." + StreamFormat.MAX_RUN_PAGES + " pages)");
        }
        if (p.remaining() != count * StreamFormat.PAGE_SIZE) {
            throw new StreamFormatException(Reason.MALFORMED, "page run says " + count + " pages but carries "
                    + p.remaining() + " bytes");
        }
        ByteBuffer data = p.slice().order(StreamFormat.ORDER);
        p.position(p.limit());
        return new PageRun(first, data);
    }
}
