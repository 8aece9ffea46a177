package org.kemari.transport.tcp.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.Test;
import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.TransportException;
import org.kemari.api.transport.TransportException.Reason;

public class HandshakeMismatchTest extends LinkTestBase {

    @Test
    public void anotherMajorVersionIsRefusedOnBothSidesNamingBothVersions() throws Exception {
        TcpLinkListener listener = (TcpLinkListener) listen(transport(TcpSettings.defaults()));
        TcpTransport future = transport(TcpSettings.defaults(), new Handshake(2, 1, 1 << 20));

        TransportException primarySide = assertThrows(TransportException.class,
                () -> future.connect(new Endpoint("127.0.0.1", listener.boundAddress().port()), 3000));
        assertEquals(Reason.INCOMPATIBLE_PEER, primarySide.reason());
        assertTrue(primarySide.getMessage(), primarySide.getMessage().contains(
                "speaks link protocol 1.0, this side speaks 2.1"));

        String standby = awaitRefusal(listener);
        assertTrue(standby, standby.contains("speaks link protocol 2.1, this side speaks 1.0"));
    }

    @Test
    public void aNewerMinorVersionIsAccepted() throws Exception {
        TcpTransport newer = transport(TcpSettings.defaults(),
                new Handshake(Handshake.CURRENT_MAJOR, Handshake.CURRENT_MINOR + 1, 1 << 20));
        LinkListener listener = listen(transport(TcpSettings.defaults()));
        LinkPair pair = pairVia(newer, listener, listener.boundAddress().port());
        pair.primary().send(bytes(5, 5));
        assertFrame(bytes(5, 5), receiveOrFail(pair.standby()));
    }

    @Test
    public void aForeignClientIsRefusedAndTheListenerStaysUsable() throws Exception {
        TcpLinkListener listener = (TcpLinkListener) listen(transport(TcpSettings.defaults()));
        try (RawPeer http = RawPeer.connect(listener.boundAddress().port())) {
            http.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            String e = awaitRefusal(listener);
            assertTrue(e, e.contains("is not a Kemari replication link peer"));
        }
        LinkPair pair = pairVia(transport(TcpSettings.defaults()), listener, listener.boundAddress().port());
        assertNotNull(pair.standby());
    }

    @Test
    public void aPeerThatNeverSaysHelloTimesOut() throws Exception {
        TcpLinkListener listener = (TcpLinkListener) listen(transport(TcpSettings.defaults().withConnectTimeoutMillis(200)));
        try (RawPeer mute = RawPeer.connect(listener.boundAddress().port())) {
            String e = awaitRefusal(listener);
            assertTrue(e, e.contains("did not complete the handshake within 200 ms"));
        }
    }

    /** The listener refuses a peer without accept() seeing it: it is counted and its reason kept. */
    private static String awaitRefusal(TcpLinkListener listener) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (listener.refusedPeers() == 0) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("no peer refused within 5 s");
            }
            Thread.sleep(5);
        }
        return listener.lastRefusal();
    }
}
