package org.kemari.transport.tcp.internal;

/**
 * Validated settings of the TCP transport. Built from {@link TcpTransportConfig} under OSGi or
 * directly (tests, tools): {@code TcpSettings.defaults().withHeartbeatIntervalMillis(5)}.
 * Every out-of-range value is refused with an {@link IllegalArgumentException} naming the
 * configuration key and the allowed range.
 */
public record TcpSettings(int heartbeatIntervalMillis, int connectTimeoutMillis, boolean tcpNoDelay,
        int sendBufferBytes, int receiveBufferBytes, int maxFrameBytes) {

    static final int DEFAULT_HEARTBEAT_MS = 20;
    static final int MIN_HEARTBEAT_MS = 1;
    static final int MAX_HEARTBEAT_MS = 10_000;
    static final int DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
    static final int MIN_CONNECT_TIMEOUT_MS = 1;
    static final int MAX_CONNECT_TIMEOUT_MS = 600_000;
    static final int DEFAULT_SOCKET_BUFFER = 1 << 20;
    static final int MIN_SOCKET_BUFFER = 4 << 10;
    static final int MAX_SOCKET_BUFFER = 256 << 20;
    static final int DEFAULT_MAX_FRAME = 16 << 20;
    static final int MIN_FRAME = 1 << 10;
    static final int MAX_FRAME = 1 << 30;

    public TcpSettings {
        checkRange("heartbeat.interval.ms", heartbeatIntervalMillis, MIN_HEARTBEAT_MS, MAX_HEARTBEAT_MS);
        checkRange("connect.timeout.ms", connectTimeoutMillis, MIN_CONNECT_TIMEOUT_MS, MAX_CONNECT_TIMEOUT_MS);
        checkBuffer("send.buffer.bytes", sendBufferBytes);
        checkBuffer("receive.buffer.bytes", receiveBufferBytes);
        checkRange("max.frame.bytes", maxFrameBytes, MIN_FRAME, MAX_FRAME);
    }

    /** The defaults, as documented in {@link TcpTransportConfig}. */
    public static TcpSettings defaults() {
        return new TcpSettings(DEFAULT_HEARTBEAT_MS, DEFAULT_CONNECT_TIMEOUT_MS, true,
                DEFAULT_SOCKET_BUFFER, DEFAULT_SOCKET_BUFFER, DEFAULT_MAX_FRAME);
    }

    /** Validates an OSGi configuration. */
    public static TcpSettings from(TcpTransportConfig c) {
        return new TcpSettings(c.heartbeat_interval_ms(), c.connect_timeout_ms(), c.tcp_nodelay(),
                c.send_buffer_bytes(), c.receive_buffer_bytes(), c.max_frame_bytes());
    }

    public TcpSettings withHeartbeatIntervalMillis(int v) {
        return new TcpSettings(v, connectTimeoutMillis, tcpNoDelay, sendBufferBytes, receiveBufferBytes, maxFrameBytes);
    }

    public TcpSettings withConnectTimeoutMillis(int v) {
        return new TcpSettings(heartbeatIntervalMillis, v, tcpNoDelay, sendBufferBytes, receiveBufferBytes, maxFrameBytes);
    }

    public TcpSettings withTcpNoDelay(boolean v) {
        return new TcpSettings(heartbeatIntervalMillis, connectTimeoutMillis, v, sendBufferBytes, receiveBufferBytes, maxFrameBytes);
    }

    public TcpSettings withSocketBuffers(int send, int receive) {
        return new TcpSettings(heartbeatIntervalMillis, connectTimeoutMillis, tcpNoDelay, send, receive, maxFrameBytes);
    }

    public TcpSettings withMaxFrameBytes(int v) {
        return new TcpSettings(heartbeatIntervalMillis, connectTimeoutMillis, tcpNoDelay, sendBufferBytes, receiveBufferBytes, v);
    }

    private static void checkRange(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(key + " must be in " + min + ".." + max + ", got " + value);
        }
    }

    private static void checkBuffer(String key, int value) {
        if (value != 0 && (value < MIN_SOCKET_BUFFER || value > MAX_SOCKET_BUFFER)) {
            throw new IllegalArgumentException(key + " must be 0 (system default) or in "
                    + MIN_SOCKET_BUFFER + ".." + MAX_SOCKET_BUFFER + ", got " + value);
        }
    }
}
