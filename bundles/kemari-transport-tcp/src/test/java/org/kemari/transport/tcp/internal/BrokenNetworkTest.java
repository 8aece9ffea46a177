package org.kemari.transport.tcp.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.Before;
import org.junit.Test;
import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.TransportException;
import org.kemari.api.transport.TransportException.Reason;
import org.kemari.testing.ChaosProxy;

/**
 * What a standby gets when the network between it and the primary damages the stream. Every
 * corruption must end in a prompt CORRUPTED failure naming the damage (a dropped connection in LINK_LOST), never in a wrong frame, a hang
 * on a bogus length or a huge allocation. Offsets are in the primary-to-standby byte stream:
 * 0..15 the hello, then frames of a 16-byte header and the payload. The primary's heartbeats
 * are slowed down so that they do not shift these offsets.
 */
public class BrokenNetworkTest extends LinkTestBase {
    private static final int HELLO = Handshake.SIZE;
    private static final int HEADER = FrameHeader.SIZE;
    private static final long BOUND_MS = 2000;

    private LinkListener listener;
    private ChaosProxy proxy;
    private TcpTransport primary;

    @Before
    public void startStandbyAndProxy() throws Exception {
        listener = listen(transport(TcpSettings.defaults()));
        proxy = closeLater(ChaosProxy.start(listener.boundAddress().port()));
        primary = transport(TcpSettings.defaults().withHeartbeatIntervalMillis(10_000));
    }

    @Test
    public void anIntactButSlowNetworkDeliversEverything() throws Exception {
        proxy.toTarget().delayMillis(5);
        proxy.toClient().delayMillis(5);
        LinkPair pair = pairVia(primary, listener, proxy.port());
        for (int i = 0; i < 50; i++) {
            pair.primary().send(bytes(3000, i));
        }
        for (int i = 0; i < 50; i++) {
            assertFrame(bytes(3000, i), receiveOrFail(pair.standby()));
        }
    }

    @Test
    public void aFlipInAnyHeaderByteIsDetected() throws Exception {
        for (int i = 0; i < HEADER; i++) {
            proxy.toTarget().clear().flipByteAt(HELLO + i);
            LinkPair pair = pairVia(primary, listener, proxy.port());
            pair.primary().send(bytes(1000, 1));
            TransportException e = standbyFailure(pair);
            assertTrue("flip at header byte " + i + ": " + e.getMessage(),
                    e.getMessage().contains("corrupt stream"));
            pair.primary().close();
        }
    }

    @Test
    public void aFlipInTheLengthCannotMakeTheReceiverWaitOrAllocate() throws Exception {
        proxy.toTarget().flipByteAt(HELLO); // 1000 becomes ~4 GB
        LinkPair pair = pairVia(primary, listener, proxy.port());
        pair.primary().send(bytes(1000, 1));
        TransportException e = standbyFailure(pair);
        assertTrue(e.getMessage(), e.getMessage().contains("frame header checksum mismatch"));
        assertPrimaryLearnsOfIt(pair);
    }

    @Test
    public void aFlipInThePayloadIsDetected() throws Exception {
        proxy.toTarget().flipByteAt(HELLO + HEADER + 500);
        LinkPair pair = pairVia(primary, listener, proxy.port());
        pair.primary().send(bytes(1000, 1));
        TransportException e = standbyFailure(pair);
        assertTrue(e.getMessage(), e.getMessage().contains("payload checksum mismatch in a frame of 1000 bytes"));
    }

    @Test
    public void skippedHeaderBytesAreDetected() throws Exception {
        proxy.toTarget().skipBytesAt(HELLO + 2, 3);
        LinkPair pair = pairVia(primary, listener, proxy.port());
        pair.primary().send(bytes(1000, 1));
        pair.primary().send(bytes(1000, 2));
        TransportException e = standbyFailure(pair);
        assertTrue(e.getMessage(), e.getMessage().contains("corrupt stream"));
    }

    @Test
    public void skippedPayloadBytesAreDetected() throws Exception {
        proxy.toTarget().skipBytesAt(HELLO + HEADER + 100, 10);
        LinkPair pair = pairVia(primary, listener, proxy.port());
        pair.primary().send(bytes(1000, 1));
        pair.primary().send(bytes(1000, 2)); // supplies the bytes the damaged frame still waits for
        TransportException e = standbyFailure(pair);
        assertTrue(e.getMessage(), e.getMessage().contains("payload checksum mismatch"));
    }

    @Test
    public void aConnectionDroppedInTheMiddleOfAFrameIsLinkLost() throws Exception {
        proxy.toTarget().dropAt(HELLO + HEADER + 1000 + HEADER + 500);
        LinkPair pair = pairVia(primary, listener, proxy.port());
        pair.primary().send(bytes(1000, 1));
        pair.primary().send(bytes(1000, 2));
        assertFrame(bytes(1000, 1), receiveOrFail(pair.standby()));
        TransportException e = standbyFailure(pair, Reason.LINK_LOST);
        assertTrue(e.getMessage(), e.getMessage().contains("in the middle of a frame"));
        assertPrimaryLearnsOfIt(pair);
    }

    @Test
    public void aCorruptHelloIsRefused() throws Exception {
        proxy.toTarget().flipByteAt(1); // in the magic
        try {
            closeLater(primary.connect(new Endpoint("127.0.0.1", proxy.port()), 3000));
        } catch (TransportException e) {
            // Either end may notice first; the standby's verdict is the one asserted.
        }
        // The listener refuses the peer itself: accept() never sees it.
        TcpLinkListener l = (TcpLinkListener) listener;
        long deadline = System.currentTimeMillis() + 5000;
        while (l.refusedPeers() == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(1, l.refusedPeers());
        assertTrue(l.lastRefusal(), l.lastRefusal().contains("is not a Kemari replication link peer"));
        assertNull(listener.accept(50));
    }

    private static TransportException standbyFailure(LinkPair pair) {
        return standbyFailure(pair, Reason.CORRUPTED);
    }

    private static TransportException standbyFailure(LinkPair pair, Reason expected) {
        long start = System.nanoTime();
        TransportException e = assertThrows(TransportException.class, () -> {
            pair.standby().receive(BOUND_MS);
            throw new AssertionError("neither a frame nor a failure within " + BOUND_MS + " ms");
        });
        assertEquals(expected, e.reason());
        assertTrue("took too long", System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(BOUND_MS));
        return e;
    }

    private static void assertPrimaryLearnsOfIt(LinkPair pair) {
        TransportException e = assertThrows(TransportException.class, () -> pair.primary().receive(BOUND_MS));
        assertEquals(Reason.LINK_LOST, e.reason());
    }
}
