package org.kemari.core.internal.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standby's one log line per refused peer, rate-limited per source host by a
 * {@link PeerLogLimiter}: a port scan or a peer retrying a broken stream in a loop cannot flood
 * the log, and what is left out is counted in the next line.
 */
final class RefusalLog {
    private static final Logger LOG = LoggerFactory.getLogger(StandbySession.class);
    private final PeerLogLimiter limiter;
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();

    RefusalLog() {
        this(new PeerLogLimiter());
    }

    RefusalLog(PeerLogLimiter limiter) {
        this.limiter = limiter;
    }

    /** A peer refused for what it sent. */
    void refused(String peer, String why) {
        long left = limiter.admit(PeerLogLimiter.hostOf(peer));
        if (left >= 0) {
            LOG.warn("Standby refused primary {}: {}{}", peer, why, suffix(left));
        }
    }

    /** A peer whose stream this standby failed on (a bug here, not the peer's fault): with the stack. */
    void failed(String peer, String why, Throwable bug) {
        failures.incrementAndGet();
        long left = limiter.admit(PeerLogLimiter.hostOf(peer));
        if (left >= 0) {
            LOG.error("Standby failed on the stream of primary {} and refused it: {}{}", peer, why, suffix(left), bug);
        }
    }

    /** Streams this standby failed on (not the peer's fault) since it started: each one is a bug to fix. */
    long failures() {
        return failures.get();
    }

    private static String suffix(long left) {
        return left > 0 ? " (" + left + " more refusals of this host were not logged)" : "";
    }
}
