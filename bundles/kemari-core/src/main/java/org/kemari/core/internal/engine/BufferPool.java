package org.kemari.core.internal.engine;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Direct buffers for captured pages, reused across epochs so that a steady stream of epochs
 * allocates nothing. One buffer per epoch in flight.
 */
final class BufferPool {
    private static final int MIN_CAPACITY = 64 * 4096;

    private final Deque<ByteBuffer> free = new ArrayDeque<>();

    /** A buffer of at least {@code bytes}. */
    synchronized ByteBuffer take(long bytes) {
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("an epoch of " + bytes + " bytes is too large for one buffer");
        }
        int need = (int) bytes;
        ByteBuffer best = null;
        for (ByteBuffer b : free) {
            if (b.capacity() >= need && (best == null || b.capacity() < best.capacity())) {
                best = b;
            }
        }
        if (best != null) {
            free.remove(best);
            best.clear();
            return best;
        }
        int capacity = need > (1 << 30) ? need : Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, need - 1)) << 1);
        if (capacity < need) {
            capacity = need;
        }
        return ByteBuffer.allocateDirect(capacity);
    }

    synchronized void give(ByteBuffer buffer) {
        free.push(buffer);
        // Keep a few: enough for the epochs in flight, not a copy of memory.
        while (free.size() > 8) {
            free.removeLast();
        }
    }
}
