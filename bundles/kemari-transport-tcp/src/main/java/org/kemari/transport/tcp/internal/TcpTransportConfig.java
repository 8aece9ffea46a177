package org.kemari.transport.tcp.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the TCP transport (PID {@value TcpTransport#PID}). Property names follow the
 * OSGi mapping of method names: {@code heartbeat_interval_ms} is the key
 * {@code heartbeat.interval.ms}.
 */
@ObjectClassDefinition(id = TcpTransport.PID, name = "Kemari TCP transport",
        description = "The replication link between primary and standby over TCP")
public @interface TcpTransportConfig {

    @AttributeDefinition(description = "Heartbeat interval while the link is idle, in ms ("
            + TcpSettings.MIN_HEARTBEAT_MS + ".." + TcpSettings.MAX_HEARTBEAT_MS + "). Failover policies"
            + " read the time since the peer was last heard, so keep this well under their timeout.")
    int heartbeat_interval_ms() default TcpSettings.DEFAULT_HEARTBEAT_MS;

    @AttributeDefinition(description = "Connect and handshake timeout in ms when the caller gives none ("
            + TcpSettings.MIN_CONNECT_TIMEOUT_MS + ".." + TcpSettings.MAX_CONNECT_TIMEOUT_MS + ")")
    int connect_timeout_ms() default TcpSettings.DEFAULT_CONNECT_TIMEOUT_MS;

    @AttributeDefinition(description = "Disable Nagle's algorithm (acks and small frames leave at once)")
    boolean tcp_nodelay() default true;

    @AttributeDefinition(description = "SO_SNDBUF in bytes; 0 = the operating system's default ("
            + "0 or " + TcpSettings.MIN_SOCKET_BUFFER + ".." + TcpSettings.MAX_SOCKET_BUFFER + ")")
    int send_buffer_bytes() default TcpSettings.DEFAULT_SOCKET_BUFFER;

    @AttributeDefinition(description = "SO_RCVBUF in bytes; 0 = the operating system's default ("
            + "0 or " + TcpSettings.MIN_SOCKET_BUFFER + ".." + TcpSettings.MAX_SOCKET_BUFFER + ")")
    int receive_buffer_bytes() default TcpSettings.DEFAULT_SOCKET_BUFFER;

    @AttributeDefinition(description = "Largest frame payload in bytes this side sends or accepts ("
            + TcpSettings.MIN_FRAME + ".." + TcpSettings.MAX_FRAME + ")")
    int max_frame_bytes() default TcpSettings.DEFAULT_MAX_FRAME;
}
