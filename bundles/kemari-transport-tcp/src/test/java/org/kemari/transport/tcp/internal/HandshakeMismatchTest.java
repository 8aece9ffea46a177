package org.kemari.transport.tcp.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.TransportException;
import org.kemari.api.transport.TransportException.Reason;

public class HandshakeMismatchTest extends LinkTestBase {

    @Test
    public void anotherMajorVersionIsRefusedOnBothSidesNamingBothVersions() throws Exception {
        LinkListener listener = listen(transport(TcpSettings.defaults()));
        TcpTransport future = transport(TcpSettings.defaults(), new Handshake(2, 1, 1 << 20));
        Future<TransportException> standbySide = inBackground(() -> acceptFailure(listener));

        TransportException primarySide = assertThrows(TransportException.class,
                () -> future.connect(new Endpoint("127.0.0.1", listener.boundAddress().port()), 3000));
        assertEquals(Reason.INCOMPATIBLE_PEER, primarySide.reason());
        assertTrue(primarySide.getMessage(), primarySide.getMessage().contains(
                "speaks link protocol 1.0, this side speaks 2.1"));

        TransportException standby = standbySide.get(5, TimeUnit.SECONDS);
        assertEquals(Reason.INCOMPATIBLE_PEER, standby.reason());
        assertTrue(standby.getMessage(), standby.getMessage().contains(
                "speaks link protocol 2.1, this side speaks 1.0"));
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
        LinkListener listener = listen(transport(TcpSettings.defaults()));
        Future<TransportException> refused = inBackground(() -> acceptFailure(listener));
        try (RawPeer http = RawPeer.connect(listener.boundAddress().port())) {
            http.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            TransportException e = refused.get(5, TimeUnit.SECONDS);
            assertEquals(Reason.INCOMPATIBLE_PEER, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains("is not a Kemari replication link peer"));
        }
        LinkPair pair = pairVia(transport(TcpSettings.defaults()), listener, listener.boundAddress().port());
        assertNotNull(pair.standby());
    }

    @Test
    public void aPeerThatNeverSaysHelloTimesOut() throws Exception {
        LinkListener listener = listen(transport(TcpSettings.defaults().withConnectTimeoutMillis(200)));
        Future<TransportException> refused = inBackground(() -> acceptFailure(listener));
        try (RawPeer mute = RawPeer.connect(listener.boundAddress().port())) {
            TransportException e = refused.get(5, TimeUnit.SECONDS);
            assertTrue(e.getMessage(), e.getMessage().contains("did not complete the handshake within 200 ms"));
        }
    }

    private static TransportException acceptFailure(LinkListener listener) {
        try {
            ReplicationLink link = listener.accept(5000);
            if (link != null) {
                link.close();
            }
            throw new AssertionError("accepted " + link);
        } catch (TransportException e) {
            return e;
        }
    }
}
