package org.kemari.core.internal.stream.bench;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.Test;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.StateRecord;
import org.kemari.api.hv.VmSpec;
import org.kemari.core.internal.standby.CommittedState;
import org.kemari.core.internal.standby.SparseFileImage;
import org.kemari.core.internal.standby.StandbyStreamReceiver;
import org.kemari.core.internal.stream.EpochStreamWriter;
import org.kemari.core.internal.stream.StreamHeader;

/**
 * Throughput of the epoch stream codec: encode (gather + CRC, and gather + CRC + one copy as a
 * transport would make), and decode + stage + commit on the standby. Not run by default (no
 * "Test" in the name); run with {@code mvn -pl bundles/kemari-core test -Dtest=EpochStreamBenchmark}.
 * Prints medians of repeated runs; asserts nothing about time.
 */
public class EpochStreamBenchmark {
    private static final int PAGES = 16384; // 64 MiB per epoch
    private static final int RUN_PAGES = 8; // dirty pages in runs of 8
    private static final int FRAME = 4 << 20;
    private static final int WARMUP = 3;
    private static final int RUNS = 9;
    private static final MachineState STATE = new MachineState("stub",
            List.of(new StateRecord("stub.vcpu", "0", 1, new byte[4096])));

    @Test
    public void run() throws Exception {
        ByteBuffer pages = ByteBuffer.allocateDirect(PAGES * 4096);
        byte[] noise = new byte[PAGES * 4096];
        ThreadLocalRandom.current().nextBytes(noise);
        pages.put(noise).flip();
        long bytes = (long) PAGES * 4096;

        report("encode, gather only (CRC32C + framing)", bytes, () -> encode(pages, f -> { }));
        ByteBuffer socket = ByteBuffer.allocateDirect(FRAME + (1 << 16));
        report("encode + one copy per frame (as into a socket buffer)", bytes, () -> encode(pages, f -> {
            socket.clear();
            for (ByteBuffer b : f) {
                socket.put(b);
            }
        }));

        VmSpec spec = new VmSpec("bench", (long) PAGES * 4096 * 2, 1, VmSpec.TEST_GUEST, List.of(), List.of(), Map.of());
        Path dir = Files.createTempDirectory("kemari-bench");
        try (CommittedState store = new CommittedState("bench")) {
            List<ByteBuffer> frames = new ArrayList<>();
            EpochStreamWriter w = new EpochStreamWriter(f -> frames.add(copy(f)), FRAME);
            w.writeHeader(StreamHeader.current("bench", 0));
            w.writeVmSpec("stub", spec);
            StandbyStreamReceiver rx = new StandbyStreamReceiver(store, SparseFileImage.factory(dir));
            writeEpoch(w, 0, pages);
            for (ByteBuffer f : frames) {
                rx.onFrame(f);
            }
            long[] epoch = {1};
            report("decode + stage + commit (standby, incremental epochs)", bytes, () -> {
                frames.clear();
                writeEpoch(w, epoch[0]++, pages);
                long t0 = System.nanoTime();
                for (ByteBuffer f : frames) {
                    rx.onFrame(f);
                }
                return System.nanoTime() - t0;
            });
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    private interface Timed {
        long nanos() throws Exception;
    }

    private interface Sink {
        void take(ByteBuffer[] frame);
    }

    private static long encode(ByteBuffer pages, Sink sink) throws Exception {
        long t0 = System.nanoTime();
        EpochStreamWriter w = new EpochStreamWriter(f -> sink.take(f), FRAME);
        w.writeHeader(StreamHeader.current("bench", 0));
        writeEpoch(w, 1, pages);
        return System.nanoTime() - t0;
    }

    /** Dirty pages every other run of RUN_PAGES, spread over twice the buffer's page numbers. */
    private static void writeEpoch(EpochStreamWriter w, long n, ByteBuffer pages) throws Exception {
        w.beginEpoch(n, PAGES, -1);
        for (int p = 0; p < PAGES; p += RUN_PAGES) {
            w.pages(2L * p, pages.slice(p * 4096, RUN_PAGES * 4096));
        }
        w.state(STATE);
        w.endEpoch();
    }

    private static ByteBuffer copy(ByteBuffer[] frame) {
        int n = 0;
        for (ByteBuffer b : frame) {
            n += b.remaining();
        }
        ByteBuffer c = ByteBuffer.allocateDirect(n);
        for (ByteBuffer b : frame) {
            c.put(b.duplicate());
        }
        return c.flip();
    }

    private static void report(String what, long bytes, Timed body) throws Exception {
        for (int i = 0; i < WARMUP; i++) {
            body.nanos();
        }
        long[] t = new long[RUNS];
        for (int i = 0; i < RUNS; i++) {
            t[i] = body.nanos();
        }
        Arrays.sort(t);
        double median = t[RUNS / 2] / 1e9;
        System.out.printf("%-58s %8.0f MiB/s median of %d (min %.0f, max %.0f), 64 MiB epoch in runs of %d pages%n",
                what, bytes / median / (1 << 20), RUNS, bytes / (t[RUNS - 1] / 1e9) / (1 << 20),
                bytes / (t[0] / 1e9) / (1 << 20), RUN_PAGES);
    }
}
