package org.kemari.core.internal.engine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.management.StandbyListenerStatus;
import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.Transport;
import org.kemari.core.internal.standby.ImageFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens for primaries and runs a {@link StandbySession} for each link. Listens with whatever
 * transport is current, and moves to a new transport when it is swapped. Whatever stops the
 * listener (no transport, the address unusable, the listening socket failing, a bug) is reported
 * (one ERROR line per new reason, {@link #status()}) and the listener is started again a second
 * later: a standby that silently stops listening would leave every VM it protects unprotected.
 */
final class StandbyServer {
    private static final Logger LOG = LoggerFactory.getLogger(StandbyServer.class);
    static final long RESTART_MILLIS = 1000;

    private final Endpoint address;
    private final Supplier<Transport> transports;
    private final StandbyEnvironment env;
    private final ImageFactory images;
    private final RefusalLog refusals = new RefusalLog();
    private final List<StandbySession> sessions = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile String problem = "";
    private volatile Endpoint bound;
    private volatile long restarts;

    StandbyServer(Endpoint address, Supplier<Transport> transports, StandbyEnvironment env, ImageFactory images) {
        this.address = address;
        this.transports = transports;
        this.env = env;
        this.images = images;
        this.thread = new Thread(this::serve, "kemari-standby-" + address);
        this.thread.setDaemon(true);
    }

    Endpoint address() {
        return address;
    }

    void start() {
        thread.start();
    }

    List<StandbySession> sessions() {
        return List.copyOf(sessions);
    }

    /** The address actually listened on, or null while not listening. */
    Endpoint bound() {
        return bound;
    }

    /** Why the server is not listening, or "". */
    String problem() {
        return problem;
    }

    /** Streams the standby failed on by an error of its own (see {@link RefusalLog#failed}). */
    long failuresOnInput() {
        return refusals.failures();
    }

    StandbyListenerStatus status() {
        Endpoint b = bound;
        if (b != null) {
            return new StandbyListenerStatus(StandbyListenerStatus.State.LISTENING, address.toString(), b.toString(),
                    "listening on " + b, restarts);
        }
        String why = problem.isEmpty() ? "starting" : problem;
        return new StandbyListenerStatus(StandbyListenerStatus.State.NOT_LISTENING, address.toString(), "",
                "NOT LISTENING on " + address + ": " + why + "; retrying every " + RESTART_MILLIS + " ms", restarts);
    }

    private void serve() {
        while (!stopping) {
            String failure;
            try {
                failure = listenUntilStopped();
            } catch (RuntimeException | Error e) {
                // Never let the accept loop die: that would close the port for good.
                failure = "the listener failed: " + e;
                if (!stopping) {
                    LOG.error("Standby listener on {} failed", address, e);
                }
            } finally {
                bound = null;
            }
            if (stopping) {
                return;
            }
            if (failure != null) {
                if (!failure.equals(problem)) {
                    LOG.error("Standby stopped listening on {}: {}; restarting every {} ms", address, failure, RESTART_MILLIS);
                }
                problem = failure;
                restarts++;
                sleep(RESTART_MILLIS);
            }
        }
    }

    /**
     * Listens with the current transport until it is swapped or the server stops.
     *
     * @return why listening stopped, or null for a transport swap or a stop
     */
    private String listenUntilStopped() {
        Transport transport = transports.get();
        if (transport == null) {
            return "no transport installed";
        }
        try (LinkListener listener = transport.listen(address)) {
            bound = listener.boundAddress();
            if (!problem.isEmpty()) {
                LOG.info("Standby listening again on {} ({}) after: {}", bound, transport.name(), problem);
            } else {
                LOG.info("Standby listening on {} ({})", bound, transport.name());
            }
            problem = "";
            while (!stopping && transports.get() == transport) {
                ReplicationLink link = listener.accept(200);
                if (link != null) {
                    startSession(link);
                }
            }
            return null;
        } catch (org.kemari.api.transport.TransportException e) {
            return stopping ? null : e.getMessage();
        }
    }

    private void startSession(ReplicationLink link) {
        StandbySession session = new StandbySession(link, env, images, refusals);
        sessions.removeIf(s -> s.state() == ProtectionStatus.State.ENDED);
        sessions.add(session);
        LOG.debug("Primary {} connected", link.peer());
        Thread t = new Thread(() -> {
            try {
                session.run();
            } finally {
                // A peer that never named a VM leaves nothing for the operator to see.
                if (!session.hasSpec()) {
                    sessions.remove(session);
                }
            }
        }, "kemari-standby-session-" + link.peer());
        t.setDaemon(true);
        t.start();
    }

    void stop() {
        stopping = true;
        for (StandbySession s : sessions) {
            s.stop();
        }
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
