package org.kemari.core.internal.standby;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.StateRecord;
import org.kemari.api.hv.VmSpec;
import org.kemari.core.internal.stream.EpochStreamWriter;
import org.kemari.core.internal.stream.RecordEncoder;
import org.kemari.core.internal.stream.StreamFormat;
import org.kemari.core.internal.stream.StreamHeader;

/**
 * A fake primary: memory that a seeded random "guest" dirties, a disk it writes, and the epoch
 * stream of it all as frames (copied, as a transport would deliver them), with the source's
 * memory, state and disk after every epoch to compare the standby against.
 */
final class SourceVm {
    static final String NAME = "vm1";
    static final int PAGE = 4096;

    final int pages;
    final byte[] memory;
    final byte[] disk = new byte[64 * 1024];
    final VmSpec spec;
    final Random rnd;
    final List<ByteBuffer> frames = new ArrayList<>();
    /** frames.size() after each epoch's end: epoch e is complete once frames [0, endFrame[e]) arrived. */
    final List<Integer> endFrame = new ArrayList<>();
    final List<byte[]> memoryAt = new ArrayList<>();
    final List<MachineState> stateAt = new ArrayList<>();
    final List<byte[]> diskAt = new ArrayList<>();
    final EpochStreamWriter writer;

    SourceVm(long seed, int pages, int maxFrameBytes) throws Exception {
        this.pages = pages;
        this.memory = new byte[pages * PAGE];
        this.rnd = new Random(seed);
        this.spec = new VmSpec(NAME, (long) pages * PAGE, 1, VmSpec.TEST_GUEST,
                List.of(new VmSpec.DiskSpec("d0", "/images/d0.raw", false)), List.of(), Map.of("workload", "test"));
        // Most pages hold data; some stay zero so epoch 0 may skip them.
        for (int p = 0; p < pages; p++) {
            if (rnd.nextInt(8) != 0) {
                fillPage(p);
            }
        }
        writer = new EpochStreamWriter(f -> frames.add(RecordEncoder.concat(Arrays.asList(f))), maxFrameBytes);
        writer.writeHeader(StreamHeader.current(NAME, StreamFormat.HEADER_FLAG_REPLICATED_DISKS));
        writer.writeVmSpec("stub", spec);
    }

    /** Epoch 0: two pre-copy rounds while the "guest runs", then the final dirty pages and state. */
    SourceVm initialSync() throws Exception {
        writer.beginEpoch(0, StreamFormat.UNKNOWN_COUNT, StreamFormat.UNKNOWN_COUNT);
        byte[] round1 = memory.clone();
        for (int p = 0; p < pages; p++) {
            if (!isZero(p)) {
                writer.pages(p, ByteBuffer.wrap(round1, p * PAGE, PAGE).slice());
            }
        }
        boolean[] dirty = dirtyRandomly(pages / 4);
        sendDirty(dirty);
        sendDirty(dirtyRandomly(pages / 16));
        finishEpoch(0);
        return this;
    }

    /** One incremental epoch with random dirty runs, state and a couple of disk writes. */
    SourceVm epoch(long n) throws Exception {
        boolean[] dirty = dirtyRandomly(1 + rnd.nextInt(pages / 8));
        writer.beginEpoch(n, count(dirty), StreamFormat.UNKNOWN_COUNT);
        sendDirty(dirty);
        for (int i = 0; i < 2; i++) {
            byte[] data = new byte[1 + rnd.nextInt(3000)];
            rnd.nextBytes(data);
            int off = rnd.nextInt(disk.length - data.length);
            System.arraycopy(data, 0, disk, off, data.length);
            writer.diskWrite("d0", off, ByteBuffer.wrap(data));
        }
        finishEpoch(n);
        return this;
    }

    private void finishEpoch(long n) throws Exception {
        MachineState state = new MachineState("stub", List.of(
                new StateRecord("stub.vcpu", "0", 1, ("regs of epoch " + n).getBytes()),
                new StateRecord("stub.dev", "blk0", 2, new byte[] {(byte) n, 1, 2})));
        writer.state(state);
        writer.endEpoch();
        endFrame.add(frames.size());
        memoryAt.add(memory.clone());
        stateAt.add(state);
        diskAt.add(disk.clone());
    }

    /** Sends the dirty pages as runs of consecutive pages, each from a copy taken now (as the engine does). */
    private void sendDirty(boolean[] dirty) throws Exception {
        int p = 0;
        while (p < pages) {
            if (!dirty[p]) {
                p++;
                continue;
            }
            int q = p;
            while (q < pages && dirty[q]) {
                q++;
            }
            writer.pages(p, ByteBuffer.wrap(Arrays.copyOfRange(memory, p * PAGE, q * PAGE)));
            p = q;
        }
    }

    private boolean[] dirtyRandomly(int n) {
        boolean[] dirty = new boolean[pages];
        for (int i = 0; i < n; i++) {
            int start = rnd.nextInt(pages);
            int len = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 300 : 4);
            for (int p = start; p < Math.min(pages, start + len); p++) {
                fillPage(p);
                dirty[p] = true;
            }
        }
        return dirty;
    }

    private static long count(boolean[] dirty) {
        long n = 0;
        for (boolean d : dirty) {
            n += d ? 1 : 0;
        }
        return n;
    }

    private void fillPage(int p) {
        int at = p * PAGE;
        for (int i = 0; i < PAGE; i += 8) {
            long v = rnd.nextLong();
            for (int k = 0; k < 8; k++) {
                memory[at + i + k] = (byte) (v >>> (8 * k));
            }
        }
    }

    private boolean isZero(int p) {
        for (int i = p * PAGE; i < (p + 1) * PAGE; i++) {
            if (memory[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** All frames' bytes, back to back. */
    byte[] allBytes() {
        return RecordEncoder.concat(frames).array();
    }

    /** Frame boundaries as byte offsets in {@link #allBytes()}: boundary[i] is where frame i starts. */
    int[] frameStarts() {
        int[] starts = new int[frames.size() + 1];
        for (int i = 0; i < frames.size(); i++) {
            starts[i + 1] = starts[i] + frames.get(i).remaining();
        }
        return starts;
    }

    /** The last epoch complete within the first {@code frameCount} frames, or -1. */
    long lastEpochWithin(int frameCount) {
        long e = -1;
        for (int i = 0; i < endFrame.size(); i++) {
            if (endFrame.get(i) <= frameCount) {
                e = i;
            }
        }
        return e;
    }
}
