package org.kemari.api.hv;

import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;

/**
 * A set of dirty page numbers (RAM offset / 4096), backed by a bitmap of 64-bit words: bit
 * {@code p % 64} of word {@code p / 64} is page {@code p}. Mutable only by its owner while it is
 * being built; hand it on as read-only.
 */
public final class DirtyPageSet {
    private final long pageCount;
    private final long[] words;

    /** An empty set for a guest of {@code pageCount} pages. */
    public DirtyPageSet(long pageCount) {
        if (pageCount < 0 || (pageCount + 63) / 64 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("page count out of range: " + pageCount);
        }
        this.pageCount = pageCount;
        this.words = new long[(int) ((pageCount + 63) / 64)];
    }

    /** A set with every page dirty: the start of an initial full copy. */
    public static DirtyPageSet all(long pageCount) {
        DirtyPageSet set = new DirtyPageSet(pageCount);
        Arrays.fill(set.words, -1L);
        int tail = (int) (pageCount % 64);
        if (tail != 0) {
            set.words[set.words.length - 1] = (1L << tail) - 1;
        }
        return set;
    }

    public long pageCount() {
        return pageCount;
    }

    /** Marks page {@code page} dirty. */
    public void add(long page) {
        checkPage(page);
        words[(int) (page >>> 6)] |= 1L << page;
    }

    /** ORs a bitmap word (64 pages starting at {@code wordIndex * 64}) into the set. */
    public void orWord(int wordIndex, long bits) {
        words[wordIndex] |= bits;
    }

    /** Adds every page of {@code other} (which must describe the same guest size). */
    public void addAll(DirtyPageSet other) {
        if (other.pageCount != pageCount) {
            throw new IllegalArgumentException("page counts differ: " + pageCount + " vs " + other.pageCount);
        }
        for (int i = 0; i < words.length; i++) {
            words[i] |= other.words[i];
        }
    }

    public boolean contains(long page) {
        checkPage(page);
        return (words[(int) (page >>> 6)] & (1L << page)) != 0;
    }

    /** Number of dirty pages. */
    public long count() {
        long n = 0;
        for (long w : words) {
            n += Long.bitCount(w);
        }
        return n;
    }

    public boolean isEmpty() {
        for (long w : words) {
            if (w != 0) {
                return false;
            }
        }
        return true;
    }

    /** Number of bitmap words. */
    public int wordCount() {
        return words.length;
    }

    /** Bitmap word {@code i}. */
    public long word(int i) {
        return words[i];
    }

    /** The dirty pages in ascending order. */
    public PrimitiveIterator.OfLong iterator() {
        return new PrimitiveIterator.OfLong() {
            private int wordIndex = 0;
            private long current = words.length > 0 ? words[0] : 0;

            @Override
            public boolean hasNext() {
                while (current == 0) {
                    if (++wordIndex >= words.length) {
                        return false;
                    }
                    current = words[wordIndex];
                }
                return true;
            }

            @Override
            public long nextLong() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int bit = Long.numberOfTrailingZeros(current);
                current &= current - 1;
                return ((long) wordIndex << 6) + bit;
            }
        };
    }

    private void checkPage(long page) {
        if (page < 0 || page >= pageCount) {
            throw new IndexOutOfBoundsException("page " + page + " outside 0.." + (pageCount - 1));
        }
    }

    @Override
    public String toString() {
        return "DirtyPageSet[" + count() + " of " + pageCount + " pages]";
    }
}
