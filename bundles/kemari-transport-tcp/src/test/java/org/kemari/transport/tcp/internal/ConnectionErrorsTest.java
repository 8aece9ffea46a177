package org.kemari.transport.tcp.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.TransportException;
import org.kemari.api.transport.TransportException.Reason;

public class ConnectionErrorsTest extends LinkTestBase {

    @Test
    public void aClosedPortIsUnreachable() throws Exception {
        int port = freePort();
        TransportException e = assertThrows(TransportException.class,
                () -> transport(TcpSettings.defaults()).connect(new Endpoint("127.0.0.1", port), 2000));
        assertEquals(Reason.UNREACHABLE, e.reason());
        assertEquals("standby 127.0.0.1:" + port + " refused the connection", e.getMessage());
    }

    @Test
    public void aPortInUseIsBadConfiguration() throws Exception {
        LinkListener first = listen(transport(TcpSettings.defaults()));
        int port = first.boundAddress().port();
        TransportException e = assertThrows(TransportException.class,
                () -> transport(TcpSettings.defaults()).listen(new Endpoint("127.0.0.1", port)));
        assertEquals(Reason.BAD_CONFIGURATION, e.reason());
        assertEquals("cannot listen on 127.0.0.1:" + port + ": address already in use", e.getMessage());
    }

    @Test
    public void portZeroBindsARealPort() throws Exception {
        LinkListener l = listen(transport(TcpSettings.defaults()));
        assertNotEquals(0, l.boundAddress().port());
        assertEquals("127.0.0.1", l.boundAddress().host());
    }

    @Test
    public void acceptTimesOutWithNull() throws Exception {
        LinkListener l = listen(transport(TcpSettings.defaults()));
        long start = System.nanoTime();
        assertNull(l.accept(100));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(90));
    }

    @Test
    public void closingAListenerReleasesThePortAtOnce() throws Exception {
        TcpTransport standby = transport(TcpSettings.defaults());
        LinkListener l = standby.listen(ANY_LOOPBACK);
        int port = l.boundAddress().port();
        LinkPair pair = pairVia(transport(TcpSettings.defaults()), l, port);
        pair.primary().send(bytes(100, 1));
        receiveOrFail(pair.standby());
        pair.standby().close(); // the accepted side closes first: its socket lingers in TIME_WAIT
        pair.primary().close();
        l.close();
        LinkListener again = listen(standby, port);
        assertEquals(port, again.boundAddress().port());
    }

    @Test
    public void closingAListenerFailsAPendingAcceptWithClosed() throws Exception {
        LinkListener l = transport(TcpSettings.defaults()).listen(ANY_LOOPBACK);
        Future<TransportException> pending = inBackground(() -> {
            try {
                l.accept(0);
                return null;
            } catch (TransportException e) {
                return e;
            }
        });
        Thread.sleep(50);
        l.close();
        assertEquals(Reason.CLOSED, pending.get(2, TimeUnit.SECONDS).reason());
        assertEquals(Reason.CLOSED, assertThrows(TransportException.class, () -> l.accept(10)).reason());
    }

    @Test
    public void closingTheTransportClosesItsLinksAndListeners() throws Exception {
        TcpTransport standby = new TcpTransport(TcpSettings.defaults());
        LinkListener l = standby.listen(ANY_LOOPBACK);
        LinkPair pair = pairVia(transport(TcpSettings.defaults()), l, l.boundAddress().port());
        standby.close();
        assertEquals(Reason.CLOSED, assertThrows(TransportException.class, () -> pair.standby().receive(10)).reason());
        assertEquals(Reason.CLOSED, assertThrows(TransportException.class, () -> l.accept(10)).reason());
        assertEquals(Reason.LINK_LOST, assertThrows(TransportException.class, () -> {
            ReplicationLink p = pair.primary();
            while (p.receive(2000) != null) {
                // nothing is sent
            }
        }).reason());
    }

    private LinkListener listen(TcpTransport t, int port) throws TransportException {
        return closeLater(t.listen(new Endpoint("127.0.0.1", port)));
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
