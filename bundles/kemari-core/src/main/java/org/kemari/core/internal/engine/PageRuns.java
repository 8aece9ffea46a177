package org.kemari.core.internal.engine;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.PrimitiveIterator;

import org.kemari.api.hv.DirtyPageSet;
import org.kemari.api.hv.GuestMemory;
import org.kemari.api.hv.MemoryImage;

/**
 * Dirty pages grouped into runs of consecutive pages: one stream record and one memory read per
 * run instead of per page.
 */
public final class PageRuns {
    private final long[] starts;
    private final int[] lengths;
    private final int count;
    private final long pages;

    private PageRuns(long[] starts, int[] lengths, int count, long pages) {
        this.starts = starts;
        this.lengths = lengths;
        this.count = count;
        this.pages = pages;
    }

    /** Groups the set's pages; a run is cut at {@code maxRunPages} so that one record stays bounded. */
    public static PageRuns of(DirtyPageSet dirty, int maxRunPages) {
        long[] starts = new long[16];
        int[] lengths = new int[16];
        int n = 0;
        long total = 0;
        PrimitiveIterator.OfLong it = dirty.iterator();
        while (it.hasNext()) {
            long page = it.nextLong();
            total++;
            if (n > 0 && starts[n - 1] + lengths[n - 1] == page && lengths[n - 1] < maxRunPages) {
                lengths[n - 1]++;
                continue;
            }
            if (n == starts.length) {
                starts = Arrays.copyOf(starts, n * 2);
                lengths = Arrays.copyOf(lengths, n * 2);
            }
            starts[n] = page;
            lengths[n] = 1;
            n++;
        }
        return new PageRuns(starts, lengths, n, total);
    }

    public int runCount() {
        return count;
    }

    public long start(int run) {
        return starts[run];
    }

    public int length(int run) {
        return lengths[run];
    }

    public long pageCount() {
        return pages;
    }

    public long byteCount() {
        return pages * GuestMemory.PAGE_SIZE;
    }

    /** Copies every run's pages from {@code memory} into {@code dst}, back to back; dst is flipped. */
    public void copy(MemoryImage memory, ByteBuffer dst) {
        dst.clear();
        for (int i = 0; i < count; i++) {
            int bytes = lengths[i] * GuestMemory.PAGE_SIZE;
            ByteBuffer slice = dst.slice(dst.position(), bytes);
            memory.read(starts[i] * GuestMemory.PAGE_SIZE, slice);
            dst.position(dst.position() + bytes);
        }
        dst.flip();
    }
}
