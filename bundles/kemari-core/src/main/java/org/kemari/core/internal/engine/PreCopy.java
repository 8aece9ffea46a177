package org.kemari.core.internal.engine;

import java.nio.ByteBuffer;

import org.kemari.api.hv.DirtyPageSet;
import org.kemari.api.hv.GuestMemory;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.Vm;
import org.kemari.api.transport.TransportException;
import org.kemari.core.internal.stream.EpochStreamWriter;
import org.kemari.core.internal.stream.StreamFormat;

/**
 * The running part of the initial copy (epoch 0): sends every page while the VM keeps running,
 * then the pages dirtied meanwhile, round after round, until a round leaves few dirty pages or
 * the round limit is reached. The caller's stop-and-copy sends what is left with the state.
 */
final class PreCopy {
    /** Pages read from guest memory per chunk: one buffer, reused after every flush. */
    private static final int CHUNK_PAGES = 256;

    private final Vm vm;
    private final EpochStreamWriter writer;
    private final EngineSettings settings;

    PreCopy(Vm vm, EpochStreamWriter writer, EngineSettings settings) {
        this.vm = vm;
        this.writer = writer;
        this.settings = settings;
    }

    /** Opens epoch 0 and sends the pre-copy rounds; returns the pages sent. */
    long run() throws HypervisorException, TransportException {
        writer.beginEpoch(0, StreamFormat.UNKNOWN_COUNT, StreamFormat.UNKNOWN_COUNT);
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_PAGES * GuestMemory.PAGE_SIZE);
        // The first fetch after tracking starts returns every page.
        DirtyPageSet dirty = vm.fetchAndClearDirtyPages();
        long sent = 0;
        for (int round = 0; round < settings.precopyMaxRounds(); round++) {
            sent += send(dirty, chunk);
            dirty = vm.fetchAndClearDirtyPages();
            if (dirty.count() < settings.precopyStopPages()) {
                break;
            }
        }
        // Pages dirtied in the last round must not be lost: put them back for the stop-and-copy.
        sent += send(dirty, chunk);
        return sent;
    }

    private long send(DirtyPageSet dirty, ByteBuffer chunk) throws TransportException {
        PageRuns runs = PageRuns.of(dirty, CHUNK_PAGES);
        int used = 0;
        for (int i = 0; i < runs.runCount(); i++) {
            int bytes = runs.length(i) * GuestMemory.PAGE_SIZE;
            if (used + bytes > chunk.capacity()) {
                // The writer keeps views of the chunk until a flush; flush before reusing it.
                writer.flush();
                used = 0;
            }
            ByteBuffer slice = chunk.slice(used, bytes);
            vm.memory().read(runs.start(i) * GuestMemory.PAGE_SIZE, slice);
            writer.pages(runs.start(i), chunk.slice(used, bytes));
            used += bytes;
        }
        writer.flush();
        return runs.pageCount();
    }
}
