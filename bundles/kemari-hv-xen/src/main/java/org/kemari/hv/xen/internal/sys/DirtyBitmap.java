package org.kemari.hv.xen.internal.sys;

import com.sun.jna.Pointer;

/**
 * A log-dirty bitmap in hypercall-safe memory: bit {@code gfn % 64} of 64-bit word {@code gfn / 64}
 * (little-endian unsigned longs, as Xen writes them).
 */
public final class DirtyBitmap implements AutoCloseable {
    private final XcHandle owner;
    private final HypercallBuffer buffer;
    private final Pointer bits;
    private final int nrPages;
    private final long pages;
    private boolean closed;

    DirtyBitmap(XcHandle owner, HypercallBuffer buffer, Pointer bits, int nrPages, long pages) {
        this.owner = owner;
        this.buffer = buffer;
        this.bits = bits;
        this.nrPages = nrPages;
        this.pages = pages;
    }

    /** Number of guest frames covered. */
    public long pages() {
        return pages;
    }

    HypercallBuffer buffer() {
        return buffer;
    }

    Pointer bits() {
        return bits;
    }

    long bytes() {
        return (long) nrPages * XenConstants.PAGE_SIZE;
    }

    public boolean isDirty(long gfn) {
        return (bits.getLong((gfn >>> 6) * 8) >>> (gfn & 63) & 1) != 0;
    }

    /** The bitmap as words, {@code (pages + 63) / 64} of them. */
    public long[] words() {
        return bits.getLongArray(0, (int) ((pages + 63) / 64));
    }

    public long count() {
        long n = 0;
        for (long w : words()) {
            n += Long.bitCount(w);
        }
        return n;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            owner.freeBitmap(buffer, nrPages);
        }
    }
}
