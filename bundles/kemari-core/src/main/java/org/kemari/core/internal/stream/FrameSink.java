package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;

import org.kemari.api.transport.TransportException;

/**
 * Where the writer's frames go; {@code link::send} of a
 * {@link org.kemari.api.transport.ReplicationLink}. When it returns, the buffers may be reused.
 */
@FunctionalInterface
public interface FrameSink {
    void send(ByteBuffer... frame) throws TransportException;
}
