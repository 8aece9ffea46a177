package org.kemari.core.internal.standby;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.epoch.StreamFormatException.Reason;
import org.kemari.api.hv.StateRecord;
import org.kemari.core.internal.stream.Ack;
import org.kemari.core.internal.stream.DiskWrite;
import org.kemari.core.internal.stream.EpochBegin;
import org.kemari.core.internal.stream.EpochDigest;
import org.kemari.core.internal.stream.EpochEnd;
import org.kemari.core.internal.stream.PageRun;
import org.kemari.core.internal.stream.RecordEncoder;
import org.kemari.core.internal.stream.StateEntry;
import org.kemari.core.internal.stream.StreamFormat;
import org.kemari.core.internal.stream.StreamHeader;
import org.kemari.core.internal.stream.StreamRecord;
import org.kemari.core.internal.stream.VmSpecRecord;

/**
 * Broken streams: flipped bits, truncation anywhere, epochs out of order, unknown records, bad
 * headers. Each must be refused with the right reason while the standby keeps exactly the last
 * committed epoch of the source.
 */
public class StreamFaultTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private CommittedState store;
    private ImageFactory images;

    @Before
    public void setUp() {
        store = new CommittedState(SourceVm.NAME);
        images = SparseFileImage.factory(tmp.getRoot().toPath());
    }

    @After
    public void tearDown() {
        store.close();
    }

    /** Feeds the frames, then ends the link; returns the first error, or null. */
    private StreamFormatException feed(List<ByteBuffer> frames) throws IOException, StandbyRefusal {
        StandbyStreamReceiver rx = new StandbyStreamReceiver(store, images);
        try {
            for (ByteBuffer f : frames) {
                rx.onFrame(f.duplicate());
            }
            rx.onLinkEnded();
            return null;
        } catch (StreamFormatException e) {
            assertTrue("a failed receiver refuses more", rx.failed());
            return e;
        }
    }

    private void assertRefused(Reason reason, StreamFormatException e) {
        assertNotNull("the stream should have been refused with " + reason, e);
        assertEquals(e.getMessage(), reason, e.reason());
        assertTrue(e.getMessage(), e.getMessage().startsWith(SourceVm.NAME + ": "));
        assertTrue(e.getMessage(), e.getMessage().contains("standby keeps committed epoch")
                || e.getMessage().contains("nothing committed yet"));
    }

    @Test
    public void everyFlippedBitIsDetectedAndNeverCommitted() throws Exception {
        SourceVm src = new SourceVm(10, 192, 64 * 1024).initialSync().epoch(1).epoch(2).epoch(3);
        byte[] all = src.allBytes();
        int[] starts = src.frameStarts();
        Random rnd = new Random(42);
        int runs = 400;
        for (int run = 0; run < runs; run++) {
            store.close();
            store = new CommittedState(SourceVm.NAME);
            int flips = run % 10 == 0 ? 2 + rnd.nextInt(6) : 1;
            int frame = -1;
            List<ByteBuffer> frames = copy(src.frames);
            int pos = rnd.nextInt(all.length);
            for (int i = 0; i < flips; i++) {
                // extra flips land near the first, in the same frame: a burst
                int p = i == 0 ? pos : Math.min(all.length - 1, pos + rnd.nextInt(64));
                int f = frameOf(starts, p);
                frame = frame < 0 ? f : Math.min(frame, f);
                ByteBuffer b = frames.get(f);
                int at = p - starts[f];
                b.put(at, (byte) (b.get(at) ^ (1 << rnd.nextInt(8))));
            }
            StreamFormatException e = feed(frames);
            String where = "run " + run + ", byte " + pos + " (frame " + frame + ")";
            assertNotNull("flip not detected at " + where, e);
            // The corrupt frame is refused whole: what is committed is the last epoch before it,
            // and it is the source's state of that epoch, byte for byte.
            long expected = src.lastEpochWithin(frame);
            assertEquals(where + ": " + e.getMessage(), expected, store.epoch());
            StandbyAssert.committedEquals(src, expected, store);
        }
    }

    @Test
    public void truncationAtEveryRecordBoundaryAndInsideRecords() throws Exception {
        SourceVm src = new SourceVm(11, 96, 64 * 1024).initialSync().epoch(1).epoch(2);
        List<ByteBuffer> records = splitIntoRecords(src.allBytes());
        // records.get(0) is the header alone; the others are one record each.
        List<Integer> endsAfter = new ArrayList<>(); // committed epoch once records [0, i) arrived
        long committed = -1;
        boolean inEpoch = false;
        List<Boolean> inside = new ArrayList<>();
        for (int i = 0; i <= records.size(); i++) {
            endsAfter.add((int) committed);
            inside.add(inEpoch);
            if (i == records.size()) {
                break;
            }
            int type = i == 0 ? 0 : Short.toUnsignedInt(records.get(i).order(StreamFormat.ORDER).getShort(0));
            if (type == 1) {
                inEpoch = true;
            } else if (type == 4) {
                inEpoch = false;
                committed++;
            }
        }
        assertEquals(2, committed);
        for (int b = 0; b <= records.size(); b++) {
            store.close();
            store = new CommittedState(SourceVm.NAME);
            StreamFormatException e = feed(records.subList(0, b));
            if (inside.get(b)) {
                assertRefused(Reason.TRUNCATED, e);
                assertTrue(e.getMessage(), e.getMessage().contains("link ended inside epoch"));
            } else {
                assertNull("cut at record " + b + " is an epoch boundary", e);
            }
            StandbyAssert.committedEquals(src, endsAfter.get(b), store);
            if (b == records.size()) {
                continue;
            }
            int length = records.get(b).remaining();
            for (int cut : new int[] {1, 7, 8, 15, length / 2, length - 4, length - 1}) {
                if (cut <= 0 || cut >= length) {
                    continue;
                }
                store.close();
                store = new CommittedState(SourceVm.NAME);
                List<ByteBuffer> frames = new ArrayList<>(records.subList(0, b));
                frames.add(records.get(b).slice(0, cut));
                StreamFormatException t = feed(frames);
                assertRefused(Reason.TRUNCATED, t);
                StandbyAssert.committedEquals(src, endsAfter.get(b), store);
            }
        }
    }

    @Test
    public void aSkippedEpochIsOutOfOrder() throws Exception {
        SourceVm src = new SourceVm(12, 64, 64 * 1024).initialSync().epoch(1).epoch(3);
        StreamFormatException e = feed(src.frames);
        assertRefused(Reason.OUT_OF_ORDER, e);
        assertTrue(e.getMessage(), e.getMessage().contains("epoch 3 arrived but epoch 2 is next"));
        StandbyAssert.committedEquals(src, 1, store);
    }

    @Test
    public void aRepeatedEpochIsOutOfOrder() throws Exception {
        SourceVm src = new SourceVm(13, 64, 64 * 1024).initialSync().epoch(1).epoch(1);
        StreamFormatException e = feed(src.frames);
        assertRefused(Reason.OUT_OF_ORDER, e);
        assertTrue(e.getMessage(), e.getMessage().contains("arrived again"));
        StandbyAssert.committedEquals(src, 1, store);
    }

    @Test
    public void aStreamMustStartAtEpochZero() throws Exception {
        SourceVm src = new SourceVm(14, 64, 64 * 1024).epoch(1);
        assertRefused(Reason.OUT_OF_ORDER, feed(src.frames));
        StandbyAssert.committedEquals(src, -1, store);
    }

    @Test
    public void unknownRecordTypeInsideAnEpoch() throws Exception {
        SourceVm src = new SourceVm(15, 64, 64 * 1024).initialSync().epoch(1);
        List<ByteBuffer> frames = copy(src.frames);
        frames.add(rawEpoch(2, true, rec(2, new PageRun(3, ByteBuffer.allocate(4096))), rec(99, 0, new Ack(1))));
        StreamFormatException e = feed(frames);
        assertRefused(Reason.UNKNOWN_RECORD, e);
        assertTrue(e.getMessage(), e.getMessage().contains("type code 99"));
        StandbyAssert.committedEquals(src, 1, store);
    }

    @Test
    public void skippableUnknownRecordIsCountedAndSkipped() throws Exception {
        SourceVm src = new SourceVm(16, 64, 64 * 1024).initialSync().epoch(1);
        List<ByteBuffer> frames = copy(src.frames);
        frames.add(rawEpoch(2, true, rec(99, StreamFormat.RECORD_FLAG_SKIPPABLE, new Ack(1)), rec(3, state())));
        assertNull(feed(frames));
        assertEquals(2, store.epoch());
    }

    @Test
    public void pageOutsideTheVmsMemory() throws Exception {
        SourceVm src = new SourceVm(17, 64, 64 * 1024).initialSync().epoch(1);
        List<ByteBuffer> frames = copy(src.frames);
        frames.add(rawEpoch(2, true, rec(2, new PageRun(63, ByteBuffer.allocate(2 * 4096)))));
        StreamFormatException e = feed(frames);
        assertRefused(Reason.MALFORMED, e);
        assertTrue(e.getMessage(), e.getMessage().contains("outside the VM's 64 pages"));
        StandbyAssert.committedEquals(src, 1, store);
    }

    @Test
    public void endRecordThatDisagreesWithTheEpoch() throws Exception {
        SourceVm src = new SourceVm(18, 64, 64 * 1024).initialSync().epoch(1);
        // wrong digest
        List<ByteBuffer> frames = copy(src.frames);
        frames.add(rawEpoch(2, false, rec(3, state())));
        assertRefused(Reason.BAD_CHECKSUM, feed(frames));
        StandbyAssert.committedEquals(src, 1, store);
        // wrong record count in an otherwise valid end record
        frames = copy(src.frames);
        frames.add(encode(List.of(rec(1, new EpochBegin(2, 0, StreamFormat.UNKNOWN_COUNT)),
                rec(4, new EpochEnd(2, 0, 1, 0)))));
        assertRefused(Reason.MALFORMED, feed(frames));
        StandbyAssert.committedEquals(src, 1, store);
        // the begin record's expected counts are checked too
        frames = copy(src.frames);
        frames.add(rawEpochWithBegin(new EpochBegin(2, 5, 1), rec(3, state())));
        StreamFormatException e = feed(frames);
        assertRefused(Reason.MALFORMED, e);
        assertTrue(e.getMessage(), e.getMessage().contains("pages"));
    }

    @Test
    public void epochClosedByAnotherEpochsEnd() throws Exception {
        SourceVm src = new SourceVm(19, 64, 64 * 1024).initialSync();
        List<ByteBuffer> frames = copy(src.frames);
        EpochDigest d = new EpochDigest();
        List<ByteBuffer> parts = new ArrayList<>();
        RecordEncoder enc = new RecordEncoder();
        d.add(enc.encode(new EpochBegin(1, StreamFormat.UNKNOWN_COUNT, StreamFormat.UNKNOWN_COUNT), parts));
        enc.encode(new EpochEnd(2, 0, 0, d.value()), parts);
        frames.add(RecordEncoder.concat(parts));
        assertRefused(Reason.OUT_OF_ORDER, feed(frames));
        StandbyAssert.committedEquals(src, 0, store);
    }

    @Test
    public void diskWriteWithoutReplicatedDisks() throws Exception {
        List<ByteBuffer> frames = new ArrayList<>();
        SourceVm src = new SourceVm(20, 64, 64 * 1024);
        List<ByteBuffer> parts = new ArrayList<>();
        parts.add(StreamHeader.current(SourceVm.NAME, 0).encode());
        new RecordEncoder().encode(new VmSpecRecord("stub", src.spec), parts);
        frames.add(RecordEncoder.concat(parts));
        frames.add(rawEpoch(0, true, rec(5, new DiskWrite("d0", 0, ByteBuffer.allocate(10)))));
        StreamFormatException e = feed(frames);
        assertRefused(Reason.MALFORMED, e);
        assertTrue(e.getMessage(), e.getMessage().contains("replicated disks"));
    }

    @Test
    public void recordOutsideAnEpoch() throws Exception {
        SourceVm src = new SourceVm(21, 64, 64 * 1024).initialSync();
        List<ByteBuffer> frames = copy(src.frames);
        frames.add(encode(List.of(rec(3, state()))));
        assertRefused(Reason.MALFORMED, feed(frames));
        StandbyAssert.committedEquals(src, 0, store);
    }

    @Test
    public void badHeadersOnANewLinkKeepTheCommittedState() throws Exception {
        SourceVm src = new SourceVm(22, 64, 64 * 1024).initialSync().epoch(1);
        assertNull(feed(src.frames));
        StandbyAssert.committedEquals(src, 1, store);

        List<ByteBuffer> frames = copy(src.frames);
        frames.get(0).put(0, (byte) 'X');
        assertRefused(Reason.BAD_MAGIC, feed(frames));
        StandbyAssert.committedEquals(src, 1, store);

        frames = copy(src.frames);
        frames.get(0).order(StreamFormat.ORDER).putShort(8, (short) 2);
        StreamFormatException e = feed(frames);
        assertRefused(Reason.UNSUPPORTED_VERSION, e);
        assertTrue(e.getMessage(), e.getMessage().contains("peer speaks epoch stream 2.0, this node reads 1.x"));
        StandbyAssert.committedEquals(src, 1, store);

        CommittedState other = new CommittedState("another-vm");
        try {
            StandbyStreamReceiver rx = new StandbyStreamReceiver(other, images);
            StreamFormatException wrongVm = null;
            try {
                rx.onFrame(src.frames.get(0).duplicate());
            } catch (StreamFormatException x) {
                wrongVm = x;
            }
            assertNotNull(wrongVm);
            assertEquals(Reason.MALFORMED, wrongVm.reason());
            assertTrue(wrongVm.getMessage(), wrongVm.getMessage().contains("this standby protects 'another-vm'"));
        } finally {
            other.close();
        }
    }

    // --- helpers -------------------------------------------------------------------------------

    private record Rec(int code, int flags, StreamRecord body) {
    }

    private static Rec rec(int code, StreamRecord body) {
        return new Rec(code, 0, body);
    }

    private static Rec rec(int code, int flags, StreamRecord body) {
        return new Rec(code, flags, body);
    }

    private static StateEntry state() {
        return new StateEntry(new StateRecord("stub.vcpu", "0", 1, new byte[] {1}));
    }

    /** One frame holding a whole epoch of the given records, with a correct (or corrupted) end. */
    private static ByteBuffer rawEpoch(long n, boolean correctDigest, Rec... body) {
        return rawEpochWithBegin(new EpochBegin(n, StreamFormat.UNKNOWN_COUNT, StreamFormat.UNKNOWN_COUNT), correctDigest, body);
    }

    private static ByteBuffer rawEpochWithBegin(EpochBegin begin, Rec... body) {
        return rawEpochWithBegin(begin, true, body);
    }

    private static ByteBuffer rawEpochWithBegin(EpochBegin begin, boolean correctDigest, Rec... body) {
        RecordEncoder enc = new RecordEncoder();
        EpochDigest digest = new EpochDigest();
        List<ByteBuffer> parts = new ArrayList<>();
        digest.add(enc.encode(begin, parts));
        long pages = 0;
        for (Rec r : body) {
            digest.add(enc.encode(r.code(), r.flags(), r.body(), parts));
            if (r.body() instanceof PageRun p && r.code() == 2) {
                pages += p.pageCount();
            }
        }
        enc.encode(new EpochEnd(begin.epoch(), pages, body.length, digest.value() ^ (correctDigest ? 0 : 1)), parts);
        return RecordEncoder.concat(parts);
    }

    private static ByteBuffer encode(List<Rec> recs) {
        RecordEncoder enc = new RecordEncoder();
        List<ByteBuffer> parts = new ArrayList<>();
        for (Rec r : recs) {
            enc.encode(r.code(), r.flags(), r.body(), parts);
        }
        return RecordEncoder.concat(parts);
    }

    private static List<ByteBuffer> copy(List<ByteBuffer> frames) {
        List<ByteBuffer> out = new ArrayList<>();
        for (ByteBuffer f : frames) {
            ByteBuffer c = ByteBuffer.allocate(f.remaining());
            c.put(f.duplicate()).flip();
            out.add(c);
        }
        return out;
    }

    private static int frameOf(int[] starts, int pos) {
        int f = 0;
        while (starts[f + 1] <= pos) {
            f++;
        }
        return f;
    }

    /** The stream re-framed as the header alone, then one record per frame. */
    private static List<ByteBuffer> splitIntoRecords(byte[] all) {
        ByteBuffer b = ByteBuffer.wrap(all).order(StreamFormat.ORDER);
        List<ByteBuffer> out = new ArrayList<>();
        int headerLength = Short.toUnsignedInt(b.getShort(12));
        out.add(b.slice(0, headerLength));
        int at = headerLength;
        while (at < all.length) {
            int length = (int) StreamFormat.recordBytes(Integer.toUnsignedLong(b.getInt(at + 4)));
            out.add(b.slice(at, length));
            at += length;
        }
        return out;
    }
}
