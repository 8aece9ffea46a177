package org.kemari.transport.tcp.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.TransportException;

/** Peers that misbehave on purpose must never take the listener down or hold it up. */
public class HostilePeerTest extends LinkTestBase {

    /**
     * Issue #12, defect 1: a peer that says hello and at once sends CLOSE (or just closes) made the
     * new link's reader shut its heartbeat scheduler down before the link scheduled on it, and the
     * RejectedExecutionException escaped from accept().
     */
    @Test
    public void peersClosingRightAfterTheirHelloNeverBreakAccept() throws Exception {
        LinkListener listener = listen(transport(TcpSettings.defaults()));
        int port = listener.boundAddress().port();
        ByteBuffer close = FrameHeader.control(FrameKind.CLOSE).toBuffer();
        for (int i = 0; i < 200; i++) {
            try (RawPeer peer = RawPeer.connect(port)) {
                peer.write(ByteBuffer.allocate(Handshake.SIZE + FrameHeader.SIZE)
                        .put(Handshake.current(TcpSettings.defaults().maxFrameBytes()).encode())
                        .put(close.duplicate()).flip());
                ReplicationLink link;
                if (i % 2 == 0) {
                    // Reset at once: its handshake may or may not complete, either is fine.
                    peer.reset();
                    link = acceptOrRefused(listener, 50);
                } else {
                    link = listener.accept(5000);
                    assertNotNull("peer " + i + " was never accepted", link);
                }
                if (link != null) {
                    link.close();
                }
            } catch (RuntimeException e) {
                throw new AssertionError("accept() failed for peer " + i + " with " + e, e);
            }
        }
        LinkPair pair = pairVia(transport(TcpSettings.defaults()), listener, port);
        pair.primary().send(bytes(10, 1));
        assertFrame(bytes(10, 1), receiveOrFail(pair.standby()));
    }

    private static ReplicationLink acceptOrRefused(LinkListener listener, long millis) {
        try {
            return listener.accept(millis);
        } catch (TransportException e) {
            return null;
        }
    }

    /**
     * Issue #12, defect 3: the handshake timeout restarted with every byte, and handshakes ran one
     * at a time, so a peer sending its hello a byte at a time held every real primary off.
     */
    @Test
    public void aHelloSentAByteAtATimeIsCutOffAtOneDeadlineAndHoldsNobodyUp() throws Exception {
        LinkListener listener = listen(transport(TcpSettings.defaults().withConnectTimeoutMillis(1000)));
        int port = listener.boundAddress().port();
        Future<ReplicationLink> accepting = inBackground(() -> listener.accept(10_000));
        try (Socket slow = new Socket(InetAddress.getLoopbackAddress(), port)) {
            byte[] hello = new byte[Handshake.SIZE];
            Handshake.current(TcpSettings.defaults().maxFrameBytes()).encode().get(hello);
            Future<Long> cutOffAfter = inBackground(() -> dribble(slow, hello, 250));
            Thread.sleep(300);

            // A real primary arriving meanwhile is served at once.
            long t0 = System.nanoTime();
            ReplicationLink primary = closeLater(transport(TcpSettings.defaults())
                    .connect(new Endpoint("127.0.0.1", port), 900));
            ReplicationLink standby = closeLater(accepting.get(5, TimeUnit.SECONDS));
            assertNotNull(standby);
            long servedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue("a real primary waited " + servedMillis + " ms behind a slow one", servedMillis < 900);
            primary.send(bytes(3, 3));
            assertFrame(bytes(3, 3), receiveOrFail(standby));

            long millis = cutOffAfter.get(10, TimeUnit.SECONDS);
            assertTrue("the slow peer was cut off after " + millis + " ms, the deadline is 1000 ms",
                    millis >= 900 && millis < 2000);
        }
    }

    /** Sends {@code hello} one byte every {@code gapMillis}; returns when the listener dropped us. */
    private static long dribble(Socket s, byte[] hello, long gapMillis) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        InputStream in = s.getInputStream();
        s.setSoTimeout(1);
        byte[] sink = new byte[64];
        int sent = 0;
        while (true) {
            try {
                if (sent < hello.length) {
                    s.getOutputStream().write(hello[sent++]);
                    s.getOutputStream().flush();
                }
            } catch (IOException e) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            }
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(gapMillis);
            while (System.nanoTime() < until) {
                try {
                    if (in.read(sink) < 0) {
                        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    }
                } catch (SocketTimeoutException e) {
                    // nothing from the listener yet
                } catch (IOException e) {
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                }
            }
            if (sent == hello.length && TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) > 8000) {
                throw new AssertionError("the listener accepted a hello that took "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
            }
        }
    }

    /** A refused peer is counted and named; the listener accepts the next one as ever. */
    @Test
    public void refusedPeersAreCountedAndTheListenerStaysOpen() throws Exception {
        TcpLinkListener listener = (TcpLinkListener) listen(transport(TcpSettings.defaults()));
        int port = listener.boundAddress().port();
        for (int i = 0; i < 50; i++) {
            new Socket(InetAddress.getLoopbackAddress(), port).close();
        }
        long deadline = System.currentTimeMillis() + 5000;
        while (listener.refusedPeers() < 50 && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(50, listener.refusedPeers());
        assertTrue(listener.lastRefusal(), listener.lastRefusal().contains("closed the connection during the handshake"));
        assertNotNull(pairVia(transport(TcpSettings.defaults()), listener, port).standby());
    }

    @Test
    public void closingTheListenerClosesHandshakesInProgress() throws Exception {
        LinkListener listener = transport(TcpSettings.defaults()).listen(ANY_LOOPBACK);
        try (Socket mute = new Socket(InetAddress.getLoopbackAddress(), listener.boundAddress().port())) {
            Thread.sleep(100);
            long t0 = System.nanoTime();
            listener.close();
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 1000);
            mute.setSoTimeout(2000);
            byte[] hello = new byte[Handshake.SIZE];
            int n = 0;
            try {
                while (n >= 0) {
                    n = mute.getInputStream().read(hello);
                }
            } catch (IOException e) {
                // reset: dropped as well
            }
        }
        assertEquals(TransportException.class, org.junit.Assert.assertThrows(TransportException.class,
                () -> listener.accept(10)).getClass());
    }
}
