package org.kemari.transport.tcp.internal;

import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.Transport;
import org.kemari.api.transport.TransportException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The replication link over TLS 1.3 with mutual authentication: the TCP transport's framing and
 * handshake inside a TLS session (docs/specs/replication-link.md). Active only once configured
 * under PID {@value #PID} with at least a trust store; a store that cannot be read fails the
 * activation with a one-line reason (in the log and {@code scr:info}).
 */
@Component(service = Transport.class, configurationPid = TlsTransport.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = Transport.NAME_PROPERTY + "=" + TlsTransport.NAME)
@Designate(ocd = TlsTransportConfig.class)
public final class TlsTransport implements Transport, AutoCloseable {
    public static final String PID = "org.kemari.transport.tls";
    public static final String NAME = "tls";

    private final TcpTransport links;

    @Activate
    public TlsTransport(TlsTransportConfig c) throws TransportException {
        this(new TcpSettings(c.heartbeat_interval_ms(), c.connect_timeout_ms(), c.tcp_nodelay(), c.send_buffer_bytes(),
                c.receive_buffer_bytes(), c.max_frame_bytes()), new TlsStores(c.keyStore(), c.keyStoreType(),
                c.keyStorePassword(), c.keyPassword().isEmpty() ? c.keyStorePassword() : c.keyPassword(), c.trustStore(),
                c.trustStoreType(), c.trustStorePassword()));
    }

    public TlsTransport(TcpSettings settings, TlsStores stores) throws TransportException {
        this.links = new TcpTransport(settings, Handshake.current(settings.maxFrameBytes()), TlsContext.load(stores));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ReplicationLink connect(Endpoint standby, long timeoutMillis) throws TransportException {
        return links.connect(standby, timeoutMillis);
    }

    @Override
    public LinkListener listen(Endpoint address) throws TransportException {
        return links.listen(address);
    }

    @Deactivate
    @Override
    public void close() {
        links.close();
    }
}
