package org.kemari.core.internal.stream;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.Test;
import org.kemari.api.epoch.RecordType;
import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.epoch.StreamFormatException.Reason;
import org.kemari.api.epoch.StreamVersion;
import org.kemari.api.hv.StateRecord;
import org.kemari.api.hv.VmSpec;

/** Every record and control message encodes and decodes to itself, in 8-byte multiples. */
public class RecordRoundTripTest {

    static StreamRecord roundTrip(StreamRecord r) throws StreamFormatException {
        ByteBuffer bytes = new RecordEncoder().encodeToBuffer(r);
        assertEquals("records are 8-byte multiples", 0, bytes.remaining() % 8);
        ByteBuffer frame = bytes.order(StreamFormat.ORDER);
        FramedRecord f = new RecordDecoder().next(frame, 0);
        assertEquals(0, frame.remaining());
        assertEquals(r.type().code(), f.typeCode());
        return f.body();
    }

    static ByteBuffer pages(int n, int seed) {
        byte[] b = new byte[n * 4096];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return ByteBuffer.wrap(b);
    }

    static VmSpec spec() {
        return new VmSpec("vm1", 64L << 20, 2, VmSpec.TEST_GUEST,
                List.of(new VmSpec.DiskSpec("d0", "/img/d0.raw", false), new VmSpec.DiskSpec("d1", "nbd://h:1/x", true)),
                List.of(new VmSpec.NicSpec("n0", "52:54:00:12:34:56", "tap:kemari0")),
                Map.of("workload", "dirtier", "é", "ünïcode"));
    }

    @Test
    public void epochBegin() throws Exception {
        assertEquals(new EpochBegin(5, 100, 30), roundTrip(new EpochBegin(5, 100, 30)));
        EpochBegin unknown = new EpochBegin(0, StreamFormat.UNKNOWN_COUNT, StreamFormat.UNKNOWN_COUNT);
        EpochBegin back = (EpochBegin) roundTrip(unknown);
        assertEquals(unknown, back);
        assertTrue(!back.pagesKnown() && !back.recordsKnown());
    }

    @Test
    public void epochEnd() throws Exception {
        assertEquals(new EpochEnd(9, 12345, 0xFFFFFFFEL, 0xCAFEBABE), roundTrip(new EpochEnd(9, 12345, 0xFFFFFFFEL, 0xCAFEBABE)));
    }

    @Test
    public void pageRun() throws Exception {
        for (int n : new int[] {1, 3, 256, StreamFormat.MAX_RUN_PAGES}) {
            PageRun r = new PageRun(1L << 33, pages(n, n));
            PageRun back = (PageRun) roundTrip(r);
            assertEquals(r.firstPage(), back.firstPage());
            assertEquals(n, back.pageCount());
            assertEquals(r.data(), back.data());
        }
    }

    @Test
    public void stateEntry() throws Exception {
        StateRecord s = new StateRecord("kvm.vcpu", "0", 3, new byte[] {1, 2, 3, 4, 5});
        assertEquals(new StateEntry(s), roundTrip(new StateEntry(s)));
        StateRecord empty = new StateRecord("kvm.virtio-blk", "vda-ü", 1, new byte[0]);
        assertEquals(new StateEntry(empty), roundTrip(new StateEntry(empty)));
    }

    @Test
    public void diskWrite() throws Exception {
        DiskWrite w = new DiskWrite("d0", 512L * 1000000, ByteBuffer.wrap(new byte[] {9, 8, 7}));
        assertEquals(w, roundTrip(w));
        DiskWrite empty = new DiskWrite("d1", 0, ByteBuffer.allocate(0));
        assertEquals(empty, roundTrip(empty));
    }

    @Test
    public void backendStream() throws Exception {
        BackendStreamChunk c = new BackendStreamChunk(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5}));
        assertEquals(c, roundTrip(c));
    }

    @Test
    public void vmSpec() throws Exception {
        VmSpecRecord r = new VmSpecRecord("kvm", spec());
        assertEquals(r, roundTrip(r));
        VmSpecRecord bare = new VmSpecRecord("xen", new VmSpec("x", 4096, 1, "/i", List.of(), List.of(), Map.of()));
        assertEquals(bare, roundTrip(bare));
    }

    @Test
    public void ack() throws Exception {
        assertEquals(new Ack(77), roundTrip(new Ack(77)));
        assertEquals(new Fence(12), roundTrip(new Fence(12)));
        assertEquals(new EndOfProtection(41), roundTrip(new EndOfProtection(41)));
        assertEquals(new EndOfProtection(-1), roundTrip(new EndOfProtection(-1)));
    }

    @Test
    public void refuse() throws Exception {
        Refuse r = new Refuse(RefuseReason.UNSUPPORTED_VERSION, 1, 0, "peer speaks epoch stream 2.0, this node reads 1.x");
        assertEquals(r, roundTrip(r));
        StreamFormatException e = r.toException();
        assertEquals(Reason.UNSUPPORTED_VERSION, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("peer speaks epoch stream 2.0"));
        assertEquals(Reason.MALFORMED, new Refuse(RefuseReason.STANDBY_FAILURE, 1, 0, "disk full").toException().reason());
    }

    @Test
    public void refuseOfAFormatError() throws Exception {
        Refuse r = Refuse.of(new StreamFormatException(Reason.BAD_CHECKSUM, "bits flipped"));
        assertEquals(RefuseReason.BAD_CHECKSUM, r.reason());
        assertEquals(StreamVersion.MAJOR, r.major());
        assertEquals(r, roundTrip(r));
    }

    @Test
    public void controlChannelCarriesAckAndRefuseOnly() throws Exception {
        ControlChannel c = new ControlChannel();
        List<StreamRecord> got = c.decodeFrame(c.ackFrame(3));
        assertEquals(List.of(new Ack(3)), got);
        ByteBuffer notControl = new RecordEncoder().encodeToBuffer(new EpochBegin(1, 0, 0));
        try {
            c.decodeFrame(notControl);
            fail();
        } catch (StreamFormatException e) {
            assertEquals(Reason.MALFORMED, e.reason());
        }
    }

    @Test
    public void header() throws Exception {
        StreamHeader h = StreamHeader.current("vm-ü", StreamFormat.HEADER_FLAG_REPLICATED_DISKS | 0x10000);
        ByteBuffer b = h.encode();
        assertEquals(0, b.remaining() % 8);
        assertEquals(h, StreamHeader.decode(b));
        assertEquals(0, b.remaining());
        assertTrue(h.replicatedDisks());
    }

    @Test
    public void gatheredEncodingDoesNotCopyPageData() {
        ByteBuffer data = ByteBuffer.allocateDirect(8192);
        List<ByteBuffer> parts = new ArrayList<>();
        new RecordEncoder().encode(new PageRun(1, data), parts);
        assertEquals(3, parts.size());
        assertTrue("the page data is a view of the caller's buffer", parts.get(1).isDirect());
        data.put(0, (byte) 42);
        assertEquals(42, parts.get(1).get(0));
        assertEquals(8 + 16, parts.get(0).remaining());
        assertEquals(8, parts.get(2).remaining());
    }

    @Test
    public void unknownTypeIsRefusedUnlessSkippable() throws Exception {
        List<ByteBuffer> parts = new ArrayList<>();
        new RecordEncoder().encode(99, 0, new Ack(1), parts);
        ByteBuffer b = RecordEncoder.concat(parts).order(StreamFormat.ORDER);
        try {
            new RecordDecoder().next(b, 0);
            fail();
        } catch (StreamFormatException e) {
            assertEquals(Reason.UNKNOWN_RECORD, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains("99"));
        }
        parts.clear();
        new RecordEncoder().encode(99, StreamFormat.RECORD_FLAG_SKIPPABLE, new Ack(1), parts);
        FramedRecord skipped = new RecordDecoder().next(RecordEncoder.concat(parts).order(StreamFormat.ORDER), 0);
        assertTrue(skipped.skipped());
    }

    @Test
    public void typeZeroIsNeverValid() throws Exception {
        List<ByteBuffer> parts = new ArrayList<>();
        new RecordEncoder().encode(0, StreamFormat.RECORD_FLAG_SKIPPABLE, new Ack(1), parts);
        try {
            new RecordDecoder().next(RecordEncoder.concat(parts).order(StreamFormat.ORDER), 0);
            fail();
        } catch (StreamFormatException e) {
            assertEquals(Reason.UNKNOWN_RECORD, e.reason());
        }
    }

    @Test
    public void everyRecordTypeHasARoundTrip() {
        // Guards this test class against a new RecordType without a case above.
        assertArrayEquals(new RecordType[] {RecordType.EPOCH_BEGIN, RecordType.PAGES, RecordType.STATE,
                RecordType.EPOCH_END, RecordType.DISK_WRITE, RecordType.VM_SPEC, RecordType.END_OF_PROTECTION, RecordType.BACKEND_STREAM,
                RecordType.ACK,
                RecordType.REFUSE, RecordType.FENCE},
                RecordType.values());
    }
}
