package org.kemari.transport.tcp.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import org.kemari.api.transport.TransportException;
import org.kemari.api.transport.TransportException.Reason;

/**
 * The link's reader thread: reads frames as they arrive (so heartbeats are seen even while
 * nobody calls {@code receive()}), drops heartbeats, queues DATA frames and turns EOF, resets
 * and corrupt frames into a LINK_LOST failure of the link.
 */
final class FrameReader implements Runnable {
    /** Payload is read in slices of this size so the JDK's temporary direct buffers stay small. */
    private static final int READ_SLICE = 256 << 10;

    private final LinkIo channel;
    private final TcpReplicationLink link;
    private final FrameQueue queue;
    private final int maxFrameBytes;
    private final ByteBuffer header = ByteBuffer.allocateDirect(FrameHeader.SIZE);

    FrameReader(LinkIo channel, TcpReplicationLink link, FrameQueue queue, int maxFrameBytes) {
        this.channel = channel;
        this.link = link;
        this.queue = queue;
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public void run() {
        try {
            while (true) {
                header.clear();
                if (!readFully(header, true)) {
                    link.failed(lost("peer " + link.peer() + " closed the connection without a CLOSE frame"));
                    return;
                }
                header.flip();
                FrameHeader h = FrameHeader.decode(header, maxFrameBytes);
                switch (h.kind()) {
                    case HEARTBEAT:
                        break;
                    case CLOSE:
                        link.closedByPeer(lost("peer " + link.peer() + " closed the link"));
                        return;
                    case DATA:
                        ByteBuffer payload = readPayload(h);
                        link.setConsumerBehind(queue.isFull());
                        boolean queued = queue.put(payload);
                        link.setConsumerBehind(false);
                        if (!queued && !link.isClosedLocally()) {
                            return;
                        }
                        // Closed here: keep reading (and dropping) until the peer closes, see close().
                        break;
                    default:
                        throw new FramingException("unexpected frame kind " + h.kind());
                }
            }
        } catch (FramingException e) {
            // Damaged data means the network or the peer misbehaves, not that the peer died.
            link.failed(new TransportException(Reason.CORRUPTED, "corrupt stream from " + link.peer() + ": " + e.getMessage()));
        } catch (EOFException e) {
            link.failed(lost("peer " + link.peer() + " closed the connection in the middle of a frame"));
        } catch (IOException e) {
            if (!link.isClosedLocally()) {
                link.failed(new TransportException(Reason.LINK_LOST,
                        "link to " + link.peer() + " lost: " + e.getMessage(), e));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // Never leave a link half-alive with a dead reader.
            link.failed(new TransportException(Reason.LINK_LOST, "reader of the link to " + link.peer()
                    + " failed: " + e, e));
        }
    }

    private ByteBuffer readPayload(FrameHeader h) throws IOException, FramingException {
        ByteBuffer payload = ByteBuffer.allocate(h.length());
        while (payload.position() < payload.capacity()) {
            int end = Math.min(payload.capacity(), payload.position() + READ_SLICE);
            payload.limit(end);
            readFully(payload, false);
        }
        payload.flip();
        CRC32C crc = new CRC32C();
        crc.update(payload.array(), 0, payload.limit());
        if ((int) crc.getValue() != h.payloadCrc()) {
            throw new FramingException("payload checksum mismatch in a frame of " + h.length() + " bytes");
        }
        return payload;
    }

    /**
     * Fills the buffer to its limit.
     *
     * @return false on a clean EOF before the first byte when {@code eofAllowed}
     * @throws EOFException on EOF in the middle
     */
    private boolean readFully(ByteBuffer b, boolean eofAllowed) throws IOException {
        boolean first = true;
        while (b.hasRemaining()) {
            int n = channel.read(b);
            if (n < 0) {
                if (first && eofAllowed) {
                    return false;
                }
                throw new EOFException();
            }
            link.heard();
            first = false;
        }
        return true;
    }

    private static TransportException lost(String message) {
        return new TransportException(Reason.LINK_LOST, message);
    }
}
