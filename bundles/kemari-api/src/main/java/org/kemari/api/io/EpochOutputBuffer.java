package org.kemari.api.io;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Outputs held per epoch, released in submission order once their epoch is committed: the
 * bookkeeping every output-holding {@link CheckpointDevice} needs. Thread-safe.
 */
public final class EpochOutputBuffer {

    private record Held(PendingOutput output, long epoch) {
    }

    private final Deque<Held> held = new ArrayDeque<>();

    /** Holds {@code output}, produced while {@code epoch} was open. */
    public synchronized void add(PendingOutput output, long epoch) {
        held.addLast(new Held(output, epoch));
    }

    /**
     * Releases, in order, every output of epoch {@code epoch} or earlier.
     *
     * @return the failures (the output and why), empty when all went out
     */
    public List<ReleaseFailure> releaseThrough(long epoch) {
        List<PendingOutput> due = new ArrayList<>();
        synchronized (this) {
            while (!held.isEmpty() && held.peekFirst().epoch() <= epoch) {
                due.add(held.pollFirst().output());
            }
        }
        return release(due);
    }

    /** Releases everything held (protection ends, the VM goes on unprotected). */
    public List<ReleaseFailure> releaseAll() {
        return releaseThrough(Long.MAX_VALUE);
    }

    /** Discards everything held (the VM is gone or has moved to the standby). */
    public void discardAll() {
        List<Held> all;
        synchronized (this) {
            all = new ArrayList<>(held);
            held.clear();
        }
        for (Held h : all) {
            h.output().discard();
        }
    }

    /** Number of outputs held. */
    public synchronized int size() {
        return held.size();
    }

    /** Bytes held, for accounting. */
    public synchronized long bytes() {
        long n = 0;
        for (Held h : held) {
            n += h.output().size();
        }
        return n;
    }

    private static List<ReleaseFailure> release(List<PendingOutput> due) {
        List<ReleaseFailure> failures = new ArrayList<>();
        for (PendingOutput o : due) {
            try {
                o.release();
            } catch (IOException | RuntimeException e) {
                failures.add(new ReleaseFailure(o, e));
            }
        }
        return failures;
    }

    /** An output whose release failed, and why. */
    public record ReleaseFailure(PendingOutput output, Exception cause) {
    }
}
