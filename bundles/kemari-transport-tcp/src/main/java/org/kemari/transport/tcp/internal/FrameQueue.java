package org.kemari.transport.tcp.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.kemari.api.transport.TransportException;

/**
 * Received DATA frames waiting for {@code receive()}, bounded by bytes so that a slow consumer
 * pushes back on the sender through TCP flow control instead of filling the heap. Always admits
 * one frame, however large. After a failure the frames received before it are still delivered,
 * then the failure is reported to every caller.
 */
final class FrameQueue {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<ByteBuffer> frames = new ArrayDeque<>();
    private final long byteLimit;
    private long bytes;
    private TransportException failure;

    FrameQueue(long byteLimit) {
        this.byteLimit = byteLimit;
    }

    /**
     * Adds a frame, waiting while the queue is over its limit.
     *
     * @return false if the queue has failed and the frame was dropped
     */
    boolean put(ByteBuffer frame) throws InterruptedException {
        lock.lock();
        try {
            while (failure == null && bytes > 0 && bytes + frame.remaining() > byteLimit) {
                notFull.await();
            }
            if (failure != null) {
                return false;
            }
            frames.add(frame);
            bytes += frame.remaining();
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Whether a put would wait now (the local consumer is behind). */
    boolean isFull() {
        lock.lock();
        try {
            return bytes >= byteLimit;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next frame, waiting at most {@code timeoutMillis} (0 = no limit).
     *
     * @return the frame, or null on timeout
     */
    ByteBuffer take(long timeoutMillis) throws TransportException, InterruptedException {
        long remaining = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lock.lock();
        try {
            while (frames.isEmpty()) {
                if (failure != null) {
                    // A fresh exception per caller keeps each caller's stack; the cause is the original.
                    throw new TransportException(failure.reason(), failure.getMessage(), failure);
                }
                if (timeoutMillis == 0) {
                    notEmpty.await();
                } else if (remaining <= 0) {
                    return null;
                } else {
                    remaining = notEmpty.awaitNanos(remaining);
                }
            }
            ByteBuffer frame = frames.poll();
            bytes -= frame.remaining();
            notFull.signal();
            return frame;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the queue with a failure; the first failure wins unless {@code discard} (a local
     * close), which also drops undelivered frames.
     */
    void fail(TransportException e, boolean discard) {
        lock.lock();
        try {
            if (failure == null || discard) {
                failure = e;
            }
            if (discard) {
                frames.clear();
                bytes = 0;
            }
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    TransportException failure() {
        lock.lock();
        try {
            return failure;
        } finally {
            lock.unlock();
        }
    }
}
