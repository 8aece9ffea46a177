package org.kemari.core.internal.standby;

import org.kemari.core.internal.stream.StreamFormat;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A whole multi-epoch stream: writer → frames → decoder → assembler → committed store, byte for byte. */
public class EpochPipelineTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private CommittedState store;

    @After
    public void close() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    public void everyEpochCommitsExactlyTheSourceState() throws Exception {
        SourceVm src = new SourceVm(1, 2048, 256 * 1024).initialSync();
        for (int e = 1; e <= 8; e++) {
            src.epoch(e);
        }
        assertTrue("epochs span many frames", src.frames.size() > 20);
        store = new CommittedState(SourceVm.NAME);
        StandbyStreamReceiver rx = new StandbyStreamReceiver(store, SparseFileImage.factory(tmp.getRoot().toPath()));
        List<Long> acked = new ArrayList<>();
        for (int i = 0; i < src.frames.size(); i++) {
            for (long e : rx.onFrame(src.frames.get(i))) {
                acked.add(e);
                StandbyAssert.committedEquals(src, e, store);
            }
        }
        rx.onLinkEnded();
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), acked);
        StandbyAssert.committedEquals(src, 8, store);

        Path disk = tmp.newFile("d0.raw").toPath();
        Files.write(disk, new byte[src.disk.length]);
        try (FileDiskWriteSink sink = new FileDiskWriteSink(Map.of("d0", disk))) {
            assertEquals(16, store.pendingDiskWrites());
            assertEquals(16, store.applyDiskWrites(sink));
        }
        assertEquals(0, store.pendingDiskWrites());
        assertArrayEquals(src.disk, Files.readAllBytes(disk));
    }

    @Test
    public void aNewStreamResynchronisesAndReplacesTheCommittedState() throws Exception {
        store = new CommittedState(SourceVm.NAME);
        ImageFactory images = SparseFileImage.factory(tmp.getRoot().toPath());
        SourceVm first = new SourceVm(2, 512, 1 << 20).initialSync().epoch(1).epoch(2);
        StandbyStreamReceiver rx = new StandbyStreamReceiver(store, images);
        for (var f : first.frames) {
            rx.onFrame(f);
        }
        StandbyAssert.committedEquals(first, 2, store);

        SourceVm second = new SourceVm(3, 512, 1 << 20).initialSync().epoch(1);
        StandbyStreamReceiver rx2 = new StandbyStreamReceiver(store, images);
        for (int i = 0; i < second.endFrame.get(0) - 1; i++) {
            rx2.onFrame(second.frames.get(i));
        }
        // Until the new epoch 0 commits, the old stream's epoch 2 stays committed.
        StandbyAssert.committedEquals(first, 2, store);
        for (int i = second.endFrame.get(0) - 1; i < second.frames.size(); i++) {
            rx2.onFrame(second.frames.get(i));
        }
        StandbyAssert.committedEquals(second, 1, store);
    }

    @Test
    public void anEpochAbandonedByEndOfProtectionIsDiscardedAndTheStreamEnds() throws Exception {
        SourceVm src = new SourceVm(4, 512, 1 << 20).initialSync().epoch(1);
        // Epoch 2 begins, carries pages, and is abandoned: the primary's capture failed or its VM stopped.
        src.writer.beginEpoch(2, StreamFormat.UNKNOWN_COUNT, StreamFormat.UNKNOWN_COUNT);
        src.writer.pages(0, java.nio.ByteBuffer.allocate(4096));
        src.writer.flush();
        src.writer.endOfProtection(1);
        store = new CommittedState(SourceVm.NAME);
        StandbyStreamReceiver rx = new StandbyStreamReceiver(store, SparseFileImage.factory(tmp.getRoot().toPath()));
        List<Long> acked = new ArrayList<>();
        for (var f : src.frames) {
            for (long e : rx.onFrame(f)) {
                acked.add(e);
            }
        }
        assertEquals(List.of(0L, 1L), acked);
        assertTrue("the primary ended protection", rx.protectionEnded());
        StandbyAssert.committedEquals(src, 1, store);
        rx.onLinkEnded();
    }
}
