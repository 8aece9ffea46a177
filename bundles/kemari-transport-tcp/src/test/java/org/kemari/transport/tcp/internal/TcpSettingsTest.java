package org.kemari.transport.tcp.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.lang.annotation.Annotation;

import org.junit.Test;

public class TcpSettingsTest {

    @Test
    public void defaults() {
        TcpSettings d = TcpSettings.defaults();
        assertEquals(20, d.heartbeatIntervalMillis());
        assertEquals(3000, d.connectTimeoutMillis());
        assertTrue(d.tcpNoDelay());
        assertEquals(1 << 20, d.sendBufferBytes());
        assertEquals(1 << 20, d.receiveBufferBytes());
        assertEquals(16 << 20, d.maxFrameBytes());
        assertEquals(d, TcpSettings.from(config(20, 3000, 1 << 20, 16 << 20)));
    }

    @Test
    public void invalidValuesNameTheKeyAndTheRange() {
        assertMessage("heartbeat.interval.ms must be in 1..10000, got 0",
                () -> TcpSettings.defaults().withHeartbeatIntervalMillis(0));
        assertMessage("connect.timeout.ms must be in 1..600000, got -5",
                () -> TcpSettings.defaults().withConnectTimeoutMillis(-5));
        assertMessage("send.buffer.bytes must be 0 (system default) or in 4096..268435456, got 100",
                () -> TcpSettings.defaults().withSocketBuffers(100, 0));
        assertMessage("receive.buffer.bytes must be 0 (system default) or in 4096..268435456, got -1",
                () -> TcpSettings.defaults().withSocketBuffers(0, -1));
        assertMessage("max.frame.bytes must be in 1024..1073741824, got 10",
                () -> TcpSettings.defaults().withMaxFrameBytes(10));
    }

    @Test
    public void activationRefusesABadConfiguration() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TcpTransport(config(50_000, 3000, 0, 1 << 20)));
        assertEquals("heartbeat.interval.ms must be in 1..10000, got 50000", e.getMessage());
    }

    @Test
    public void activationAcceptsAGoodConfiguration() {
        try (TcpTransport t = new TcpTransport(config(5, 100, 0, 4096))) {
            assertEquals(5, t.settings().heartbeatIntervalMillis());
            assertEquals("tcp", t.name());
        }
    }

    private static void assertMessage(String expected, org.junit.function.ThrowingRunnable r) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, r).getMessage());
    }

    /** What Config Admin would hand to the component. */
    static TcpTransportConfig config(int heartbeat, int connectTimeout, int buffers, int maxFrame) {
        return new TcpTransportConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return TcpTransportConfig.class;
            }

            @Override
            public int heartbeat_interval_ms() {
                return heartbeat;
            }

            @Override
            public int connect_timeout_ms() {
                return connectTimeout;
            }

            @Override
            public boolean tcp_nodelay() {
                return true;
            }

            @Override
            public int send_buffer_bytes() {
                return buffers;
            }

            @Override
            public int receive_buffer_bytes() {
                return buffers;
            }

            @Override
            public int max_frame_bytes() {
                return maxFrame;
            }
        };
    }
}
