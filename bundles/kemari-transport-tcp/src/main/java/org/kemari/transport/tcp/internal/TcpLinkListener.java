package org.kemari.transport.tcp.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.TransportException;
import org.kemari.api.transport.TransportException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening TCP socket (SO_REUSEADDR, so a closed listener's port can be bound again at once).
 * An acceptor thread takes connections as they come and hands each to a handshake thread; the
 * handshake has one deadline ({@code connect.timeout.ms}) from accept to the peer's last hello
 * byte. {@link #accept} returns only handshaken links: a peer that fails its handshake is closed,
 * counted and logged (one line, rate-limited per source host), and is never the caller's problem.
 * Only a broken listening socket makes {@link #accept} throw.
 */
final class TcpLinkListener implements LinkListener {
    private static final Logger LOG = LoggerFactory.getLogger(TcpLinkListener.class);
    /** Handshakes in progress at once; a connection beyond them is closed at once. */
    static final int MAX_HANDSHAKES = 32;
    /** Handshaken links waiting for {@link #accept}; a link beyond them is closed. */
    static final int MAX_READY = 16;
    /** How long the acceptor backs off after a failed accept (e.g. out of file descriptors). */
    private static final long ACCEPT_RETRY_MILLIS = 100;

    private final ServerSocketChannel server;
    private final Endpoint bound;
    private final TcpTransport transport;
    private final Consumer<TcpLinkListener> onClosed;
    private final BlockingQueue<ReplicationLink> ready = new ArrayBlockingQueue<>(MAX_READY);
    private final Set<SocketChannel> handshaking = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor handshakes;
    private final Thread acceptor;
    private final PeerLogLimiter logLimiter = new PeerLogLimiter();
    private final AtomicLong refused = new AtomicLong();
    private volatile String lastRefusal = "";
    private volatile TransportException failure;
    private volatile boolean closed;

    TcpLinkListener(ServerSocketChannel server, Endpoint bound, TcpTransport transport,
            Consumer<TcpLinkListener> onClosed) {
        this.server = server;
        this.bound = bound;
        this.transport = transport;
        this.onClosed = onClosed;
        this.handshakes = new ThreadPoolExecutor(0, MAX_HANDSHAKES, 1, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "kemari-tcp-handshake " + bound);
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "kemari-tcp-acceptor " + bound);
        this.acceptor.setDaemon(true);
    }

    TcpLinkListener start() {
        acceptor.start();
        return this;
    }

    @Override
    public Endpoint boundAddress() {
        return bound;
    }

    @Override
    public ReplicationLink accept(long timeoutMillis) throws TransportException {
        if (timeoutMillis < 0 || timeoutMillis > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("timeoutMillis must be 0..2^31-1, got " + timeoutMillis);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            checkUsable();
            long left = timeoutMillis == 0 ? 100 : TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return null;
            }
            try {
                // In slices, so that a close() or a failed socket is seen by a waiting caller.
                ReplicationLink link = ready.poll(Math.min(left, 100), TimeUnit.MILLISECONDS);
                if (link != null) {
                    return link;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TransportException(Reason.CLOSED, "interrupted while accepting on " + bound, e);
            }
        }
    }

    /** Peers refused so far (failed handshakes, too many at once). */
    long refusedPeers() {
        return refused.get();
    }

    /** Why the last refused peer was refused, or "". */
    String lastRefusal() {
        return lastRefusal;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("Closing the listener on {}: {}", bound, e.toString());
        }
        acceptor.interrupt();
        handshakes.shutdownNow();
        // A handshake blocked in a read ends when its socket closes.
        handshaking.forEach(TcpLinkListener::closeQuietly);
        drainReady();
        try {
            acceptor.join(1000);
            handshakes.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drainReady();
        onClosed.accept(this);
        LOG.info("Stopped listening on {}", bound);
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                if (!closed) {
                    fail(new TransportException(Reason.LINK_LOST, "the listening socket on " + bound + " was closed", e));
                }
                return;
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
                // Transient (no file descriptors, a connection reset before it was taken): retry.
                LOG.warn("Accepting on {} failed: {}; retrying", bound, e.toString());
                sleep(ACCEPT_RETRY_MILLIS);
                continue;
            }
            String peer = peerOf(channel);
            handshaking.add(channel);
            try {
                handshakes.execute(() -> handshake(channel, peer));
            } catch (RejectedExecutionException e) {
                handshaking.remove(channel);
                closeQuietly(channel);
                if (!closed) {
                    refuse(peer, "closed at once: " + MAX_HANDSHAKES + " handshakes are already in progress");
                }
            }
        }
    }

    private void handshake(SocketChannel channel, String peer) {
        try {
            ReplicationLink link = transport.establish(channel, peer, Reason.LINK_LOST, true);
            if (!offer(link)) {
                link.close();
                if (!closed) {
                    refuse(peer, "closed: " + MAX_READY + " links already wait to be accepted");
                }
            }
        } catch (TransportException e) {
            if (!closed) {
                refuse(peer, e.getMessage());
            }
        } catch (RuntimeException e) {
            closeQuietly(channel);
            if (!closed) {
                LOG.error("Handshake with {} on {} failed unexpectedly", peer, bound, e);
            }
        } finally {
            handshaking.remove(channel);
        }
    }

    /** Queues a link for accept(); never leaves one behind in a closed listener. */
    private synchronized boolean offer(ReplicationLink link) {
        return !closed && ready.offer(link);
    }

    private synchronized void drainReady() {
        List<ReplicationLink> left = new ArrayList<>();
        ready.drainTo(left);
        left.forEach(ReplicationLink::close);
    }

    private void refuse(String peer, String why) {
        refused.incrementAndGet();
        lastRefusal = why;
        long left = logLimiter.admit(PeerLogLimiter.hostOf(peer));
        if (left >= 0) {
            LOG.warn("Refused a peer on {}: {}{}", bound, why,
                    left > 0 ? " (" + left + " more refusals of this host were not logged)" : "");
        }
    }

    private void fail(TransportException e) {
        failure = e;
        LOG.error("Listener on {} failed: {}", bound, e.getMessage());
    }

    private void checkUsable() throws TransportException {
        if (closed) {
            throw new TransportException(Reason.CLOSED, "the listener on " + bound + " is closed");
        }
        TransportException f = failure;
        if (f != null) {
            throw new TransportException(f.reason(), f.getMessage(), f);
        }
    }

    private static String peerOf(SocketChannel channel) {
        try {
            return LinkSetup.describe((InetSocketAddress) channel.getRemoteAddress());
        } catch (IOException | RuntimeException e) {
            return "an unknown peer";
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing more to release
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
