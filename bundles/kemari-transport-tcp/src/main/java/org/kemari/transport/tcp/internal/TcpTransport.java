package org.kemari.transport.tcp.internal;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.Transport;
import org.kemari.api.transport.TransportException;
import org.kemari.api.transport.TransportException.Reason;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replication link over plain TCP (framing and handshake: docs/specs/replication-link.md).
 * A DS component configured under PID {@value #PID}; outside OSGi use
 * {@code new TcpTransport(TcpSettings.defaults())} and {@link #close()} it when done. Links and
 * listeners it created are closed when the component is deactivated.
 */
@Component(service = Transport.class, configurationPid = TcpTransport.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = Transport.NAME_PROPERTY + "=" + TcpTransport.NAME)
@Designate(ocd = TcpTransportConfig.class)
public final class TcpTransport implements Transport, AutoCloseable {
    public static final String PID = "org.kemari.transport.tcp";
    public static final String NAME = "tcp";
    private static final Logger LOG = LoggerFactory.getLogger(TcpTransport.class);
    private static final int BACKLOG = 16;

    private final TcpSettings settings;
    private final Handshake hello;
    /** TLS for every link, or null for plain TCP. */
    private final TlsContext tls;
    private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();

    /** DS activation; an invalid configuration fails it with IllegalArgumentException. */
    @Activate
    public TcpTransport(TcpTransportConfig config) {
        this(TcpSettings.from(config));
    }

    public TcpTransport(TcpSettings settings) {
        this(settings, Handshake.current(settings.maxFrameBytes()));
    }

    /** For tests that play a peer of another protocol version. */
    TcpTransport(TcpSettings settings, Handshake hello) {
        this(settings, hello, null);
    }

    /** Links secured by {@code tls} (the tls transport), or plain when it is null. */
    TcpTransport(TcpSettings settings, Handshake hello, TlsContext tls) {
        this.settings = settings;
        this.hello = hello;
        this.tls = tls;
        LOG.debug("{} transport active: {}{}", name(), settings, tls == null ? "" : ", " + tls);
    }

    public TcpSettings settings() {
        return settings;
    }

    @Override
    public String name() {
        return tls == null ? NAME : TlsTransport.NAME;
    }

    @Override
    public ReplicationLink connect(Endpoint standby, long timeoutMillis) throws TransportException {
        if (timeoutMillis < 0 || timeoutMillis > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("timeoutMillis must be 0..2^31-1, got " + timeoutMillis);
        }
        int timeout = timeoutMillis == 0 ? settings.connectTimeoutMillis() : (int) timeoutMillis;
        String who = "standby " + standby;
        InetSocketAddress address = new InetSocketAddress(standby.host(), standby.port());
        if (address.isUnresolved()) {
            throw new TransportException(Reason.UNREACHABLE, "cannot resolve the host of " + who);
        }
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open();
            LinkSetup.configure(channel, settings);
            channel.socket().connect(address, timeout);
        } catch (ConnectException e) {
            closeQuietly(channel);
            throw new TransportException(Reason.UNREACHABLE, who + " refused the connection", e);
        } catch (SocketTimeoutException e) {
            closeQuietly(channel);
            throw new TransportException(Reason.UNREACHABLE, who + " did not answer within " + timeout + " ms", e);
        } catch (NoRouteToHostException e) {
            closeQuietly(channel);
            throw new TransportException(Reason.UNREACHABLE, "no route to " + who, e);
        } catch (IOException | UnresolvedAddressException e) {
            closeQuietly(channel);
            throw new TransportException(Reason.UNREACHABLE, "cannot connect to " + who + ": " + e.getMessage(), e);
        }
        return establish(channel, who, Reason.UNREACHABLE, false);
    }

    @Override
    public LinkListener listen(Endpoint address) throws TransportException {
        InetSocketAddress socketAddress = new InetSocketAddress(address.host(), address.port());
        if (socketAddress.isUnresolved()) {
            throw new TransportException(Reason.BAD_CONFIGURATION,
                    "cannot listen on " + address + ": unknown host");
        }
        ServerSocketChannel server = null;
        try {
            server = ServerSocketChannel.open();
            // Lets a restarted standby bind its port while old connections linger in TIME_WAIT.
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (settings.receiveBufferBytes() > 0) {
                // Set before bind so that accepted sockets get a large window from the start.
                server.setOption(StandardSocketOptions.SO_RCVBUF, settings.receiveBufferBytes());
            }
            server.bind(socketAddress, BACKLOG);
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            Endpoint bound = new Endpoint(address.host(), port);
            TcpLinkListener listener = new TcpLinkListener(server, bound, this, open::remove);
            open.add(listener);
            LOG.info("Listening for primaries on {}{}", bound, tls == null ? "" : " (" + tls + ")");
            return listener.start();
        } catch (BindException e) {
            closeQuietly(server);
            String why = e.getMessage() != null && e.getMessage().toLowerCase().contains("in use")
                    ? "address already in use" : e.getMessage();
            throw new TransportException(Reason.BAD_CONFIGURATION, "cannot listen on " + address + ": " + why, e);
        } catch (IOException e) {
            closeQuietly(server);
            throw new TransportException(Reason.BAD_CONFIGURATION,
                    "cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    /** Closes every link and listener this transport created. */
    @Deactivate
    @Override
    public void close() {
        List<AutoCloseable> all = new ArrayList<>(open);
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("Closing {}: {}", c, e.toString());
            }
        }
        open.clear();
    }

    /**
     * Configures, handshakes and starts a link on a connected channel; closes it on failure.
     *
     * @param accepted whether a listener accepted it (its lifecycle is then logged at DEBUG only:
     *     the engine reports what the peer did)
     */
    ReplicationLink establish(SocketChannel channel, String peer, Reason failureReason, boolean accepted)
            throws TransportException {
        try {
            LinkSetup.configure(channel, settings);
            LinkIo io = tls == null ? new PlainLinkIo(channel)
                    : tls.secure(channel, peer, accepted, settings.connectTimeoutMillis(), failureReason);
            Handshake theirs = LinkSetup.exchange(io, hello, peer, settings.connectTimeoutMillis(),
                    failureReason);
            TcpReplicationLink link = new TcpReplicationLink(io, peer, settings, theirs, accepted, open::remove);
            open.add(link);
            if (accepted) {
                LOG.debug("Replication link from {} established (protocol {}, peer {})", peer, hello.version(),
                        theirs.version());
            } else {
                LOG.info("Replication link to {} established (protocol {}, peer {})", peer, hello.version(),
                        theirs.version());
            }
            return link.start();
        } catch (IOException e) {
            closeQuietly(channel);
            throw new TransportException(failureReason, "cannot set up the link to " + peer + ": " + e.getMessage(), e);
        } catch (TransportException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("Closing {}: {}", c, e.toString());
            }
        }
    }
}
