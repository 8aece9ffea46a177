package org.kemari.transport.tcp.internal;

import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.kemari.api.transport.ReplicationLink;

/**
 * Liveness as failover policies see it. The bounds are generous (the machine may be busy):
 * heartbeats every 20 ms must keep the silence far below a failover timeout of a few hundred ms,
 * and a silent peer must show up well above it.
 */
public class HeartbeatTest extends LinkTestBase {
    private static final long HEALTHY_BOUND_MS = 150;

    @Test
    public void heartbeatsKeepAnIdleLinkFreshInBothDirectionsAndAreNotDelivered() throws Exception {
        LinkPair pair = pair();
        long worstPrimary = 0;
        long worstStandby = 0;
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(600);
        while (System.nanoTime() < end) {
            worstPrimary = Math.max(worstPrimary, pair.primary().nanosSinceLastReceived());
            worstStandby = Math.max(worstStandby, pair.standby().nanosSinceLastReceived());
            Thread.sleep(5);
        }
        assertTrue("primary heard nothing for " + worstPrimary / 1_000_000 + " ms",
                worstPrimary < TimeUnit.MILLISECONDS.toNanos(HEALTHY_BOUND_MS));
        assertTrue("standby heard nothing for " + worstStandby / 1_000_000 + " ms",
                worstStandby < TimeUnit.MILLISECONDS.toNanos(HEALTHY_BOUND_MS));
        assertNull("heartbeats must not be delivered", pair.standby().receive(100));
        assertNull("heartbeats must not be delivered", pair.primary().receive(1));
    }

    @Test
    public void aStandbyThatGoesSilentShowsAsGrowingSilence() throws Exception {
        try (RawPeer standby = RawPeer.listen()) {
            TcpTransport t = transport(TcpSettings.defaults());
            var connecting = inBackground(() -> t.connect(new org.kemari.api.transport.Endpoint(
                    "127.0.0.1", standby.listeningPort()), 5000));
            try (RawPeer peer = standby.acceptPeer().handshake()) {
                ReplicationLink link = closeLater(connecting.get(5, TimeUnit.SECONDS));
                assertSilenceGrows(link);
            }
        }
    }

    @Test
    public void aPrimaryThatGoesSilentShowsAsGrowingSilence() throws Exception {
        var listener = listen(transport(TcpSettings.defaults()));
        var accepting = inBackground(() -> listener.accept(5000));
        try (RawPeer primary = RawPeer.connect(listener.boundAddress().port()).handshake()) {
            ReplicationLink link = closeLater(accepting.get(5, TimeUnit.SECONDS));
            assertSilenceGrows(link);
        }
    }

    private static void assertSilenceGrows(ReplicationLink link) throws InterruptedException {
        Thread.sleep(400);
        long silence = link.nanosSinceLastReceived();
        assertTrue("silence only " + silence / 1_000_000 + " ms", silence >= TimeUnit.MILLISECONDS.toNanos(350));
        assertTrue("a silent peer is not a broken link", link.isOpen());
        Thread.sleep(100);
        assertTrue(link.nanosSinceLastReceived() > silence);
    }
}
