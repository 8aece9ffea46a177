package org.kemari.core.internal.standby;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.StateRecord;
import org.kemari.api.hv.VmSpec;
import org.kemari.core.internal.stream.EpochStreamWriter;
import org.kemari.core.internal.stream.RecordEncoder;
import org.kemari.core.internal.stream.StreamHeader;

/** A 3 GiB guest: the committed image is lazy (sparse) and addressable in both halves and across chunks. */
public class LargeImageTest {
    private static final long GIB = 1L << 30;
    private static final long SIZE = 3 * GIB;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void sparseImageAcrossChunksAndAbove2GiB() throws Exception {
        try (SparseFileImage img = SparseFileImage.create(tmp.getRoot().toPath(), "big", SIZE)) {
            assertEquals(SIZE, img.size());
            assertEquals(SIZE / 4096, img.pageCount());
            for (long offset : new long[] {0, GIB - 4096, 2 * GIB + 4096 * 7, SIZE - 4096}) {
                byte[] page = page((int) (offset >>> 12));
                img.write(offset, ByteBuffer.wrap(page));
                ByteBuffer back = ByteBuffer.allocate(4096);
                img.read(offset, back);
                assertArrayEquals("at " + offset, page, back.array());
            }
            // one write straddling the 1 GiB and the 2 GiB chunk boundaries
            for (long boundary : new long[] {GIB, 2 * GIB}) {
                byte[] two = new byte[8192];
                Arrays.fill(two, (byte) 0x5A);
                img.write(boundary - 4096, ByteBuffer.wrap(two));
                ByteBuffer back = ByteBuffer.allocate(8192);
                img.read(boundary - 4096, back);
                assertArrayEquals(two, back.array());
            }
            ByteBuffer untouched = ByteBuffer.allocate(4096);
            img.read(GIB + GIB / 2, untouched);
            assertArrayEquals(new byte[4096], untouched.array());
        }
    }

    @Test
    public void aThreeGiBGuestThroughTheStream() throws Exception {
        VmSpec spec = new VmSpec("big", SIZE, 2, VmSpec.TEST_GUEST, List.of(), List.of(), Map.of());
        List<ByteBuffer> frames = new ArrayList<>();
        EpochStreamWriter w = new EpochStreamWriter(f -> frames.add(RecordEncoder.concat(Arrays.asList(f))), 1 << 20);
        w.writeHeader(StreamHeader.current("big", 0));
        w.writeVmSpec("stub", spec);
        long low = 5;
        long high = (2 * GIB + GIB / 2) >>> 12;
        long last = SIZE / 4096 - 1;
        MachineState state = new MachineState("stub", List.of(new StateRecord("stub.vcpu", "0", 1, new byte[] {7})));
        // epoch 0: the zero pages are left out, only three pages carry data
        w.beginEpoch(0, 3, 4);
        w.pages(low, ByteBuffer.wrap(page(1)));
        w.pages(high, ByteBuffer.wrap(page(2)));
        w.pages(last, ByteBuffer.wrap(page(3)));
        w.state(state);
        w.endEpoch();
        // epoch 1 rewrites the page above 2 GiB
        w.beginEpoch(1, 1, 2);
        w.pages(high, ByteBuffer.wrap(page(4)));
        w.state(state);
        w.endEpoch();

        try (CommittedState store = new CommittedState("big")) {
            StandbyStreamReceiver rx = new StandbyStreamReceiver(store, SparseFileImage.factory(tmp.getRoot().toPath()));
            for (ByteBuffer f : frames) {
                rx.onFrame(f);
            }
            rx.onLinkEnded();
            assertEquals(1, store.epoch());
            assertEquals(SIZE, store.memory().size());
            assertPage(store, low, page(1));
            assertPage(store, high, page(4));
            assertPage(store, last, page(3));
            assertPage(store, 1000, new byte[4096]);
            assertPage(store, (GIB + 12345 * 4096) >>> 12, new byte[4096]);
        }
    }

    private static void assertPage(CommittedState store, long page, byte[] want) {
        ByteBuffer b = ByteBuffer.allocate(4096);
        store.memory().read(page * 4096, b);
        assertArrayEquals("page " + page, want, b.array());
    }

    private static byte[] page(int seed) {
        byte[] b = new byte[4096];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 7 + seed * 13 + 1);
        }
        return b;
    }
}
