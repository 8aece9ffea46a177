package org.kemari.core.internal.engine;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import org.kemari.api.epoch.RecordType;
import org.kemari.api.hv.VmSpec;
import org.kemari.core.internal.stream.StreamFormat;
import org.kemari.core.internal.stream.StreamHeader;
import org.kemari.core.internal.stream.VmSpecRecord;

/**
 * Epoch stream records as raw bytes, for tests that play a broken or hostile primary: any field
 * can hold any value and still carry a valid record CRC, and {@link #seal} recomputes every
 * EPOCH_END so that a mutated epoch still passes the epoch checks and reaches the deeper ones.
 */
final class WireStream {
    /** One record: type code, flags and payload; its bytes are encoded on demand. */
    record Rec(int type, int flags, byte[] payload) {
        byte[] encode() {
            int padding = (int) ((8 - (8 + payload.length + 4) % 8) % 8);
            ByteBuffer b = ByteBuffer.allocate(8 + payload.length + padding + 4).order(StreamFormat.ORDER);
            b.putShort((short) type).putShort((short) flags).putInt(payload.length).put(payload);
            b.position(b.position() + padding);
            CRC32C crc = new CRC32C();
            crc.update(b.array(), 0, b.position());
            b.putInt((int) crc.getValue());
            return b.array();
        }

        int crc() {
            byte[] e = encode();
            return ByteBuffer.wrap(e, e.length - 4, 4).order(StreamFormat.ORDER).getInt();
        }

        Rec withPayload(byte[] p) {
            return new Rec(type, flags, p);
        }
    }

    private WireStream() {
    }

    static byte[] header(String vmName, int flags) {
        ByteBuffer b = StreamHeader.current(vmName, flags).encode();
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    static Rec vmSpec(String backend, VmSpec spec) {
        VmSpecRecord r = new VmSpecRecord(backend, spec);
        ByteBuffer b = ByteBuffer.allocate(r.headLength()).order(StreamFormat.ORDER);
        r.writeHead(b);
        return new Rec(RecordType.VM_SPEC.code(), 0, b.array());
    }

    static Rec epochBegin(long epoch, long pages, long records) {
        return new Rec(RecordType.EPOCH_BEGIN.code(), 0, le(24).putLong(epoch).putLong(pages).putInt((int) records)
                .putInt(0).array());
    }

    static Rec pages(long firstPage, int count, int fill) {
        ByteBuffer b = le(16 + count * StreamFormat.PAGE_SIZE).putLong(firstPage).putInt(count).putInt(0);
        while (b.hasRemaining()) {
            b.put((byte) fill);
        }
        return new Rec(RecordType.PAGES.code(), 0, b.array());
    }

    static Rec state(String kind, String instance, byte[] data) {
        byte[] k = kind.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] i = instance.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return new Rec(RecordType.STATE.code(), 0, le(12 + k.length + i.length + data.length).putInt(1)
                .putInt(data.length).putShort((short) k.length).putShort((short) i.length).put(k).put(i).put(data).array());
    }

    static Rec diskWrite(String diskId, long offset, byte[] data) {
        byte[] id = diskId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return new Rec(RecordType.DISK_WRITE.code(), 0, le(16 + id.length + data.length).putLong(offset)
                .putInt(data.length).putShort((short) id.length).putShort((short) 0).put(id).put(data).array());
    }

    static Rec epochEnd(long epoch, long pages, long records, int crc) {
        return new Rec(RecordType.EPOCH_END.code(), 0, le(24).putLong(epoch).putLong(pages).putInt((int) records)
                .putInt(crc).array());
    }

    static Rec endOfProtection(long lastEpoch) {
        return new Rec(RecordType.END_OF_PROTECTION.code(), 0, le(8).putLong(lastEpoch).array());
    }

    /** A valid epoch: BEGIN, the records, END with the right counts and CRC. */
    static List<Rec> epoch(long n, List<Rec> body) {
        List<Rec> out = new ArrayList<>();
        out.add(epochBegin(n, pagesIn(body), body.size()));
        out.addAll(body);
        out.add(epochEnd(n, 0, 0, 0));
        return seal(out);
    }

    /**
     * Recomputes each EPOCH_END's page and record counts and epoch CRC from the records since the
     * EPOCH_BEGIN before it (its epoch number is left as it is), and each BEGIN's counts.
     */
    static List<Rec> seal(List<Rec> records) {
        List<Rec> out = new ArrayList<>(records);
        int begin = -1;
        for (int i = 0; i < out.size(); i++) {
            Rec r = out.get(i);
            if (r.type() == RecordType.EPOCH_BEGIN.code() && r.payload().length == 24) {
                begin = i;
            } else if (r.type() == RecordType.EPOCH_END.code() && r.payload().length == 24 && begin >= 0) {
                List<Rec> body = out.subList(begin + 1, i);
                long pages = pagesIn(body);
                ByteBuffer bp = ByteBuffer.wrap(out.get(begin).payload().clone()).order(StreamFormat.ORDER);
                bp.putLong(8, pages).putInt(16, body.size());
                out.set(begin, out.get(begin).withPayload(bp.array()));
                CRC32C digest = new CRC32C();
                ByteBuffer crcs = le(4);
                for (int j = begin; j < i; j++) {
                    crcs.clear();
                    crcs.putInt(out.get(j).crc());
                    digest.update(crcs.array());
                }
                ByteBuffer ep = ByteBuffer.wrap(r.payload().clone()).order(StreamFormat.ORDER);
                ep.putLong(8, pages).putInt(16, body.size()).putInt(20, (int) digest.getValue());
                out.set(i, r.withPayload(ep.array()));
                begin = -1;
            }
        }
        return out;
    }

    private static long pagesIn(List<Rec> body) {
        long pages = 0;
        for (Rec r : body) {
            if (r.type() == RecordType.PAGES.code() && r.payload().length >= 16) {
                pages += Integer.toUnsignedLong(ByteBuffer.wrap(r.payload()).order(StreamFormat.ORDER).getInt(8));
            }
        }
        return pages;
    }

    /** Frames: the header opens the first; then the records, {@code perFrame} to a frame (0: all in one). */
    static List<ByteBuffer> frames(byte[] header, List<Rec> records, int perFrame) {
        List<ByteBuffer> frames = new ArrayList<>();
        java.io.ByteArrayOutputStream cur = new java.io.ByteArrayOutputStream();
        cur.writeBytes(header);
        int inFrame = 0;
        for (Rec r : records) {
            cur.writeBytes(r.encode());
            if (perFrame > 0 && ++inFrame == perFrame) {
                frames.add(ByteBuffer.wrap(cur.toByteArray()));
                cur.reset();
                inFrame = 0;
            }
        }
        if (cur.size() > 0) {
            frames.add(ByteBuffer.wrap(cur.toByteArray()));
        }
        return frames;
    }

    static ByteBuffer frame(List<Rec> records) {
        return frames(new byte[0], records, 0).get(0);
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(StreamFormat.ORDER);
    }
}
