package org.kemari.transport.tcp.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.fail;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.After;
import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.TransportException;

/**
 * Shared set-up for link tests: transports, listeners and link pairs on loopback, all closed
 * after each test, which then checks that no reader or heartbeat thread was left behind.
 */
public abstract class LinkTestBase {
    static final Endpoint ANY_LOOPBACK = new Endpoint("127.0.0.1", 0);

    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
    private final ExecutorService background = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-background");
        t.setDaemon(true);
        return t;
    });

    /** A primary's and a standby's end of one link. */
    record LinkPair(ReplicationLink primary, ReplicationLink standby) {
    }

    @After
    public void closeEverythingAndCheckThreads() throws Exception {
        while (!toClose.isEmpty()) {
            toClose.pop().close();
        }
        background.shutdownNow();
        assertNoLinkThreads();
    }

    static void assertNoLinkThreads() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        List<String> left;
        do {
            left = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                    .filter(n -> n.startsWith("kemari-tcp")).collect(Collectors.toList());
            if (left.isEmpty()) {
                return;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        fail("link threads left running: " + left);
    }

    <T extends AutoCloseable> T closeLater(T c) {
        toClose.push(c);
        return c;
    }

    TcpTransport transport(TcpSettings settings) {
        return closeLater(new TcpTransport(settings));
    }

    TcpTransport transport(TcpSettings settings, Handshake hello) {
        return closeLater(new TcpTransport(settings, hello));
    }

    LinkListener listen(TcpTransport t) throws TransportException {
        return closeLater(t.listen(ANY_LOOPBACK));
    }

    <T> Future<T> inBackground(java.util.concurrent.Callable<T> task) {
        return background.submit(task);
    }

    /** A connected, handshaken pair of links with default settings. */
    LinkPair pair() throws Exception {
        return pair(TcpSettings.defaults(), TcpSettings.defaults());
    }

    LinkPair pair(TcpSettings primarySettings, TcpSettings standbySettings) throws Exception {
        LinkListener listener = listen(transport(standbySettings));
        return pairVia(transport(primarySettings), listener, listener.boundAddress().port());
    }

    /** Connects {@code primary} to {@code port} (the listener's or a proxy's) and accepts on {@code listener}. */
    LinkPair pairVia(TcpTransport primary, LinkListener listener, int port) throws Exception {
        Future<ReplicationLink> accepted = inBackground(() -> listener.accept(5000));
        ReplicationLink p = closeLater(primary.connect(new Endpoint("127.0.0.1", port), 5000));
        ReplicationLink s = accepted.get(5, TimeUnit.SECONDS);
        assertNotNull("no link accepted", s);
        return new LinkPair(p, closeLater(s));
    }

    static ByteBuffer bytes(int size, int seed) {
        ByteBuffer b = ByteBuffer.allocate(size);
        for (int i = 0; i < size; i++) {
            b.put((byte) (seed * 31 + i * 7));
        }
        return b.flip();
    }

    static void assertFrame(ByteBuffer expected, ByteBuffer actual) {
        assertNotNull("no frame received", actual);
        assertEquals("frame content", expected.duplicate(), actual);
    }

    static ByteBuffer receiveOrFail(ReplicationLink link) throws TransportException {
        ByteBuffer b = link.receive(5000);
        assertNotNull("no frame within 5 s", b);
        return b;
    }
}
