package org.kemari.hv.kvm.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.kemari.api.hv.DirtyPageSet;

/**
 * A concurrent bitmap of RAM pages that device models wrote (DMA the hypervisor's dirty log does
 * not see). Marked from vCPU and device threads, drained into a {@link DirtyPageSet} at fetch time.
 */
final class PageBitmap {
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long pageCount;
    private final long[] words;

    PageBitmap(long pageCount) {
        this.pageCount = pageCount;
        this.words = new long[(int) ((pageCount + 63) / 64)];
    }

    /** Marks every page touched by {@code [ramOffset, ramOffset+len)}. */
    void markRange(long ramOffset, long len) {
        if (len <= 0) {
            return;
        }
        long first = ramOffset >>> 12;
        long last = Math.min((ramOffset + len - 1) >>> 12, pageCount - 1);
        for (long p = first; p <= last; p++) {
            WORDS.getAndBitwiseOr(words, (int) (p >>> 6), 1L << p);
        }
    }

    /** ORs every marked page into {@code into} and clears this bitmap. */
    void drainInto(DirtyPageSet into) {
        for (int i = 0; i < words.length; i++) {
            if ((long) WORDS.getVolatile(words, i) != 0) {
                into.orWord(i, (long) WORDS.getAndSet(words, i, 0L));
            }
        }
    }
}
