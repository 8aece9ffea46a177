package org.kemari.core.internal.engine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.Transport;
import org.kemari.api.transport.TransportException;
import org.kemari.core.internal.standby.ImageFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens for primaries and runs a {@link StandbySession} for each link. Listens with whatever
 * transport is current, and moves to a new transport when it is swapped.
 */
final class StandbyServer {
    private static final Logger LOG = LoggerFactory.getLogger(StandbyServer.class);

    private final Endpoint address;
    private final Supplier<Transport> transports;
    private final StandbyEnvironment env;
    private final ImageFactory images;
    private final List<StandbySession> sessions = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile String problem = "";
    private volatile Endpoint bound;

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

    private void serve() {
        while (!stopping) {
            Transport transport = transports.get();
            if (transport == null) {
                problem = "no transport installed";
                sleep(200);
                continue;
            }
            try (LinkListener listener = transport.listen(address)) {
                bound = listener.boundAddress();
                problem = "";
                LOG.info("Standby listening on {} ({})", bound, transport.name());
                while (!stopping && transports.get() == transport) {
                    ReplicationLink link = listener.accept(200);
                    if (link != null) {
                        startSession(link);
                    }
                }
            } catch (TransportException e) {
                if (!stopping) {
                    problem = e.getMessage();
                    LOG.error("Standby cannot listen on {}: {}", address, e.getMessage());
                    sleep(1000);
                }
            } finally {
                bound = null;
            }
        }
    }

    private void startSession(ReplicationLink link) {
        StandbySession session = new StandbySession(link, env, images);
        sessions.removeIf(s -> s.state() == org.kemari.api.management.ProtectionStatus.State.ENDED);
        sessions.add(session);
        LOG.info("Primary {} connected", link.peer());
        Thread t = new Thread(session::run, "kemari-standby-session-" + link.peer());
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
