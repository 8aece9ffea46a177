package org.kemari.transport.tcp.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.TransportException;
import org.kemari.api.transport.TransportException.Reason;

/** A broken link must surface promptly as LINK_LOST; a local close as CLOSED. */
public class LinkLossTest extends LinkTestBase {
    /** Generous: detection is immediate, the bound only guards against hangs. */
    private static final long DETECTION_BOUND_MS = 2000;

    @Test
    public void anOrderlyCloseByThePeerIsLinkLostAfterTheFramesSentBeforeIt() throws Exception {
        LinkPair pair = pair();
        pair.primary().send(bytes(10, 1));
        pair.primary().close();
        assertFrame(bytes(10, 1), receiveOrFail(pair.standby()));
        TransportException e = receiveFailure(pair.standby());
        assertEquals(Reason.LINK_LOST, e.reason());
        assertTrue(e.getMessage(), e.getMessage().endsWith("closed the link"));
        assertFalse(pair.standby().isOpen());
    }

    @Test
    public void aResetIsLinkLost() throws Exception {
        LinkListener listener = listen(transport(TcpSettings.defaults()));
        Future<ReplicationLink> accepting = inBackground(() -> listener.accept(5000));
        RawPeer primary = RawPeer.connect(listener.boundAddress().port()).handshake();
        ReplicationLink link = closeLater(accepting.get(5, TimeUnit.SECONDS));
        primary.reset();
        TransportException e = receiveFailure(link);
        assertEquals(Reason.LINK_LOST, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("reset"));
    }

    @Test
    public void anEofWithoutCloseFrameIsLinkLost() throws Exception {
        LinkListener listener = listen(transport(TcpSettings.defaults()));
        Future<ReplicationLink> accepting = inBackground(() -> listener.accept(5000));
        RawPeer primary = RawPeer.connect(listener.boundAddress().port()).handshake();
        ReplicationLink link = closeLater(accepting.get(5, TimeUnit.SECONDS));
        primary.close();
        TransportException e = receiveFailure(link);
        assertEquals(Reason.LINK_LOST, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("closed the connection without a CLOSE frame"));
    }

    @Test
    public void sendAfterThePeerVanishedFails() throws Exception {
        LinkPair pair = pair();
        pair.standby().close();
        receiveFailure(pair.primary());
        TransportException e = assertThrows(TransportException.class, () -> pair.primary().send(bytes(4, 0)));
        assertEquals(Reason.LINK_LOST, e.reason());
    }

    @Test
    public void aLocalCloseFailsABlockedReceiveWithClosed() throws Exception {
        LinkPair pair = pair();
        Future<TransportException> blocked = inBackground(() -> {
            try {
                pair.standby().receive(0);
                return null;
            } catch (TransportException e) {
                return e;
            }
        });
        Thread.sleep(50);
        pair.standby().close();
        TransportException e = blocked.get(DETECTION_BOUND_MS, TimeUnit.MILLISECONDS);
        assertEquals(Reason.CLOSED, e.reason());
        assertEquals(Reason.CLOSED,
                assertThrows(TransportException.class, () -> pair.standby().send(bytes(1, 1))).reason());
        assertFalse(pair.standby().isOpen());
        pair.standby().close(); // twice is fine
    }

    private static TransportException receiveFailure(ReplicationLink link) {
        long start = System.nanoTime();
        TransportException e = assertThrows(TransportException.class, () -> {
            while (link.receive(DETECTION_BOUND_MS) != null) {
                // skip frames still queued
            }
            throw new AssertionError("no failure within " + DETECTION_BOUND_MS + " ms");
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue("detected after " + ms + " ms", ms < DETECTION_BOUND_MS);
        return e;
    }
}
