package org.kemari.transport.tcp.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the TLS transport (PID {@value TlsTransport#PID}): the key and trust stores,
 * and the same link settings as the TCP transport. Paths may use {@code ${karaf.etc}}.
 */
@ObjectClassDefinition(id = TlsTransport.PID, name = "Kemari TLS transport",
        description = "The replication link over TLS 1.3 with mutual authentication")
public @interface TlsTransportConfig {

    @AttributeDefinition(description = "This node's key and certificate (PKCS#12 or JKS); empty: none (then no"
            + " standby accepts this node as a primary)")
    String keyStore() default "";

    @AttributeDefinition(description = "Type of the key store")
    String keyStoreType() default "PKCS12";

    @AttributeDefinition(type = AttributeType.PASSWORD, description = "Password of the key store")
    String keyStorePassword() default "";

    @AttributeDefinition(type = AttributeType.PASSWORD, description = "Password of the key; empty: the key store's")
    String keyPassword() default "";

    @AttributeDefinition(description = "The certificates (or CAs) of the nodes this node accepts and connects to")
    String trustStore() default "";

    @AttributeDefinition(description = "Type of the trust store")
    String trustStoreType() default "PKCS12";

    @AttributeDefinition(type = AttributeType.PASSWORD, description = "Password of the trust store")
    String trustStorePassword() default "";

    @AttributeDefinition(description = "As for the TCP transport")
    int heartbeat_interval_ms() default TcpSettings.DEFAULT_HEARTBEAT_MS;

    @AttributeDefinition(description = "Connect, TLS handshake and hello timeout in ms")
    int connect_timeout_ms() default TcpSettings.DEFAULT_CONNECT_TIMEOUT_MS;

    @AttributeDefinition(description = "As for the TCP transport")
    boolean tcp_nodelay() default true;

    @AttributeDefinition(description = "As for the TCP transport")
    int send_buffer_bytes() default TcpSettings.DEFAULT_SOCKET_BUFFER;

    @AttributeDefinition(description = "As for the TCP transport")
    int receive_buffer_bytes() default TcpSettings.DEFAULT_SOCKET_BUFFER;

    @AttributeDefinition(description = "As for the TCP transport")
    int max_frame_bytes() default TcpSettings.DEFAULT_MAX_FRAME;
}
