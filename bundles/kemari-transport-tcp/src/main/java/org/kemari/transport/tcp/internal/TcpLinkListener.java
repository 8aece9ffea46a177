package org.kemari.transport.tcp.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
 * Each accepted connection is handshaken before {@link #accept} returns it; a peer that fails
 * the handshake makes that accept throw, and the listener stays usable.
 */
final class TcpLinkListener implements LinkListener {
    private static final Logger LOG = LoggerFactory.getLogger(TcpLinkListener.class);

    private final ServerSocketChannel server;
    private final Endpoint bound;
    private final TcpTransport transport;
    private final Consumer<TcpLinkListener> onClosed;
    private volatile boolean closed;

    TcpLinkListener(ServerSocketChannel server, Endpoint bound, TcpTransport transport,
            Consumer<TcpLinkListener> onClosed) {
        this.server = server;
        this.bound = bound;
        this.transport = transport;
        this.onClosed = onClosed;
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
        SocketChannel channel;
        try {
            // The adaptor's accept honours SO_TIMEOUT, a plain channel accept would not.
            server.socket().setSoTimeout((int) timeoutMillis);
            Socket socket = server.socket().accept();
            channel = socket.getChannel();
        } catch (SocketTimeoutException e) {
            return null;
        } catch (ClosedChannelException e) {
            throw closedError(e);
        } catch (IOException e) {
            if (closed) {
                throw closedError(e);
            }
            throw new TransportException(Reason.LINK_LOST, "accepting on " + bound + " failed: " + e.getMessage(), e);
        }
        return transport.establish(channel, LinkSetup.describe((InetSocketAddress) channel.socket()
                .getRemoteSocketAddress()), Reason.LINK_LOST);
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
        onClosed.accept(this);
        LOG.info("Stopped listening on {}", bound);
    }

    private TransportException closedError(Exception e) {
        return new TransportException(Reason.CLOSED, "the listener on " + bound + " is closed", e);
    }
}
