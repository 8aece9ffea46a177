package org.kemari.api.transport;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One established, ordered, reliable link between a primary and a standby, carrying framed
 * messages (epoch stream chunks, acknowledgements). Frames arrive whole and in order, or the
 * link fails with a {@link TransportException}. Heartbeats are the transport's business: they
 * are never delivered by {@link #receive}.
 */
@ConsumerType
public interface ReplicationLink extends AutoCloseable {

    /** The peer's address, for logs and status. */
    String peer();

    /**
     * Sends one frame made of the given buffers (gathered, not copied where the transport can
     * avoid it). Blocks until the frame is handed to the operating system.
     */
    void send(ByteBuffer... frame) throws TransportException;

    /**
     * Receives the next frame, waiting at most {@code timeoutMillis} (0 = no limit).
     *
     * @return the frame, or null on timeout
     */
    ByteBuffer receive(long timeoutMillis) throws TransportException;

    /**
     * Time since anything (a frame or the transport's own heartbeat) was last received from the
     * peer. Transports send heartbeats in both directions while the link is idle, so this stays
     * small on a healthy link even when no epochs flow; failover policies read it.
     */
    long nanosSinceLastReceived();

    /** Whether the link is still usable. */
    boolean isOpen();

    /** Closes the link; a blocked {@link #receive} fails with reason CLOSED. Never throws. */
    @Override
    void close();
}
