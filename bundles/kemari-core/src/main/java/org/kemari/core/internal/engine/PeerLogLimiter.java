package org.kemari.core.internal.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Decides which refusals of a peer are worth a log line: the first from a source host, then at
 * most one per interval per host, that one telling how many were left out. A port scan or a
 * broken peer retrying in a loop then costs a few lines a minute, not one per connection. The
 * number of hosts remembered is bounded; beyond it, new hosts share one budget.
 */
final class PeerLogLimiter {
    static final long DEFAULT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int MAX_HOSTS = 1024;
    private static final String OTHER_HOSTS = "(other hosts)";

    private final long intervalNanos;
    private final LongSupplier clock;
    private final Map<String, Window> windows = new LinkedHashMap<>(16, 0.75f, true);

    PeerLogLimiter() {
        this(DEFAULT_INTERVAL_NANOS, System::nanoTime);
    }

    PeerLogLimiter(long intervalNanos, LongSupplier clock) {
        this.intervalNanos = intervalNanos;
        this.clock = clock;
    }

    /**
     * Records one refusal from {@code host}.
     *
     * @return -1 to stay silent, else how many refusals of this host were left out of the log
     *     since its last line (0 for the first)
     */
    synchronized long admit(String host) {
        long now = clock.getAsLong();
        String key = host;
        if (!windows.containsKey(key) && windows.size() >= MAX_HOSTS) {
            windows.values().removeIf(w -> now - w.start >= intervalNanos);
            if (windows.size() >= MAX_HOSTS) {
                key = OTHER_HOSTS;
            }
        }
        Window w = windows.get(key);
        if (w == null) {
            windows.put(key, new Window(now));
            return 0;
        }
        if (now - w.start < intervalNanos) {
            w.suppressed++;
            return -1;
        }
        long left = w.suppressed;
        w.start = now;
        w.suppressed = 0;
        return left;
    }

    /** The host part of {@code host:port} or {@code [v6]:port}. */
    static String hostOf(String peer) {
        int colon = peer.lastIndexOf(':');
        return colon > 0 ? peer.substring(0, colon) : peer;
    }

    private static final class Window {
        long start;
        long suppressed;

        Window(long start) {
            this.start = start;
        }
    }
}
