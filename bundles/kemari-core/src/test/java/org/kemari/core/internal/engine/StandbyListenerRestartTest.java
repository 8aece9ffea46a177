package org.kemari.core.internal.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.After;
import org.junit.Test;
import org.kemari.api.management.StandbyListenerStatus;
import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.Transport;
import org.kemari.api.transport.TransportException;
import org.kemari.transport.tcp.internal.TcpSettings;
import org.kemari.transport.tcp.internal.TcpTransport;

/** A standby listener that stops, for whatever reason, is started again and reported. */
public class StandbyListenerRestartTest {
    private final TcpTransport tcp = new TcpTransport(TcpSettings.defaults());
    private final FailingOnce transport = new FailingOnce(tcp);
    private StandbyNode standby;

    @After
    public void tearDown() throws Exception {
        if (standby != null) {
            standby.close();
        }
        tcp.close();
    }

    /**
     * Issue #12, defect 1 at the engine's depth: an unchecked exception out of accept() (there, a
     * RejectedExecutionException of the link's heartbeat scheduler) ended the accept thread, and
     * the port stayed closed until the node restarted.
     */
    @Test
    public void anUncheckedFailureOfTheListenerRestartsIt() throws Exception {
        standby = new StandbyNode(transport, Map.of());
        EngineRig.await(() -> transport.listens.get() >= 2 && standby.manager.standbyAddress() != null, 5_000,
                () -> "the listener to be started again: " + standby.manager.standbyListenerState());
        assertTrue(standby.manager.standbyListenerState(), standby.manager.standbyListenerState().startsWith("listening on"));
    }

    @Test
    public void theRestartIsReportedInTheListenerStatus() throws Exception {
        standby = new StandbyNode(transport, Map.of());
        EngineRig.await(() -> transport.failed.get() == 1, 5_000, "the listener to fail");
        StandbyListenerStatus failed = standby.manager.standbyListener();
        if (failed.state() == StandbyListenerStatus.State.NOT_LISTENING) {
            assertTrue(failed.message(), failed.message().contains("NOT LISTENING on 127.0.0.1:0: the listener failed: "
                    + "java.util.concurrent.RejectedExecutionException: the heartbeat scheduler is shut down; retrying"));
        }
        EngineRig.await(() -> standby.manager.standbyListener().restarts() == 1
                && standby.manager.standbyListener().state() == StandbyListenerStatus.State.LISTENING, 5_000,
                "listening again");
        StandbyListenerStatus again = standby.manager.standbyListener();
        assertEquals(1, again.restarts());
        assertEquals("127.0.0.1:0", again.address());
        assertTrue(again.message(), again.message().startsWith("listening on 127.0.0.1:"));
    }

    @Test
    public void aNodeWithoutStandbyListenIsNoStandby() throws Exception {
        standby = new StandbyNode(tcp, Map.of("standby_listen", ""));
        StandbyListenerStatus s = standby.manager.standbyListener();
        assertEquals(StandbyListenerStatus.State.DISABLED, s.state());
        assertEquals("not a standby (standby.listen is empty)", s.message());
    }

    /** The real transport, except that the first listener's accept() throws an unchecked exception. */
    static final class FailingOnce implements Transport {
        final AtomicInteger listens = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        private final Transport real;

        FailingOnce(Transport real) {
            this.real = real;
        }

        @Override
        public String name() {
            return real.name();
        }

        @Override
        public ReplicationLink connect(Endpoint standby, long timeoutMillis) throws TransportException {
            return real.connect(standby, timeoutMillis);
        }

        @Override
        public LinkListener listen(Endpoint address) throws TransportException {
            LinkListener l = real.listen(address);
            boolean fail = listens.incrementAndGet() == 1;
            return new LinkListener() {
                @Override
                public Endpoint boundAddress() {
                    return l.boundAddress();
                }

                @Override
                public ReplicationLink accept(long timeoutMillis) throws TransportException {
                    if (fail) {
                        failed.incrementAndGet();
                        throw new java.util.concurrent.RejectedExecutionException("the heartbeat scheduler is shut down");
                    }
                    return l.accept(timeoutMillis);
                }

                @Override
                public void close() {
                    l.close();
                }
            };
        }
    }
}
