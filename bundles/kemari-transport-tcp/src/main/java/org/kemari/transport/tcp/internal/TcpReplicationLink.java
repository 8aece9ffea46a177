package org.kemari.transport.tcp.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.TransportException;
import org.kemari.api.transport.TransportException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replication link over one handshaken TCP connection. Threads: a reader that consumes every
 * frame as it arrives, and a heartbeat scheduler that sends a HEARTBEAT whenever nothing was
 * sent for half the heartbeat interval. Sends (data, heartbeat, close) are serialised by one
 * lock; the caller's buffers are written with a gathering write, never copied by the link.
 */
final class TcpReplicationLink implements ReplicationLink {
    private static final Logger LOG = LoggerFactory.getLogger(TcpReplicationLink.class);
    /** How long close() lets an orderly CLOSE frame take before it just drops the connection. */
    private static final long CLOSE_FRAME_GRACE_MILLIS = 200;

    private final LinkIo channel;
    private final String peer;
    private final int ownMaxFrame;
    private final int peerMaxFrame;
    private final long heartbeatNanos;
    private final Consumer<TcpReplicationLink> onClosed;
    /** Accepted links log their lifecycle at DEBUG: the engine reports what a peer did, once. */
    private final boolean accepted;
    private final FrameQueue queue;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final ByteBuffer sendHeader = ByteBuffer.allocateDirect(FrameHeader.SIZE);
    private final ByteBuffer heartbeatFrame = directCopyOf(FrameHeader.control(FrameKind.HEARTBEAT).toBuffer());
    private final AtomicBoolean closedLocally = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();
    private final ScheduledExecutorService heartbeats;
    private final Thread reader;
    private volatile long lastReceivedNanos = System.nanoTime();
    private volatile long lastSentNanos = System.nanoTime();
    private volatile boolean consumerBehind;

    TcpReplicationLink(LinkIo channel, String peer, TcpSettings settings, Handshake peerHello,
            boolean accepted, Consumer<TcpReplicationLink> onClosed) {
        this.channel = channel;
        this.accepted = accepted;
        this.peer = peer;
        this.ownMaxFrame = settings.maxFrameBytes();
        this.peerMaxFrame = peerHello.maxFrameBytes();
        this.heartbeatNanos = TimeUnit.MILLISECONDS.toNanos(settings.heartbeatIntervalMillis());
        this.onClosed = onClosed;
        this.queue = new FrameQueue(2L * ownMaxFrame);
        this.reader = new Thread(new FrameReader(channel, this, queue, ownMaxFrame), "kemari-tcp-reader " + peer);
        this.reader.setDaemon(true);
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kemari-tcp-heartbeat " + peer);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts the heartbeats, then the reader; called once the link is registered. In this order
     * because the reader may end the link at once (the peer sent CLOSE right after its hello),
     * which shuts the heartbeat scheduler down.
     */
    TcpReplicationLink start() {
        long period = Math.max(1, heartbeatNanos / 2);
        try {
            heartbeats.scheduleAtFixedRate(this::heartbeatIfIdle, period, period, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // Closed before it started (its transport was closed meanwhile): nothing to run.
            return this;
        }
        reader.start();
        return this;
    }

    @Override
    public String peer() {
        return peer;
    }

    /** The largest payload this link can send: the smaller of both sides' max.frame.bytes. */
    int maxSendableFrame() {
        return Math.min(ownMaxFrame, peerMaxFrame);
    }

    @Override
    public void send(ByteBuffer... frame) throws TransportException {
        checkUsable();
        long total = 0;
        ByteBuffer[] srcs = new ByteBuffer[frame.length + 1];
        CRC32C crc = new CRC32C();
        for (int i = 0; i < frame.length; i++) {
            // A duplicate leaves the caller's position alone and costs no data copy.
            ByteBuffer d = frame[i].duplicate();
            total += d.remaining();
            srcs[i + 1] = d;
        }
        if (total > maxSendableFrame()) {
            throw new TransportException(Reason.BAD_CONFIGURATION, "frame of " + total
                    + " bytes exceeds the max frame size of the link to " + peer + " (" + maxSendableFrame()
                    + " bytes; max.frame.bytes is " + ownMaxFrame + " here, " + peerMaxFrame + " at the peer)");
        }
        for (int i = 1; i < srcs.length; i++) {
            int p = srcs[i].position();
            crc.update(srcs[i]);
            srcs[i].position(p);
        }
        sendLock.lock();
        try {
            sendHeader.clear();
            new FrameHeader(FrameKind.DATA, (int) total, (int) crc.getValue()).encode(sendHeader);
            srcs[0] = sendHeader.flip();
            writeFully(srcs);
        } catch (IOException e) {
            throw sendFailed(e);
        } finally {
            sendLock.unlock();
        }
    }

    @Override
    public ByteBuffer receive(long timeoutMillis) throws TransportException {
        try {
            return queue.take(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(Reason.CLOSED, "interrupted while receiving from " + peer, e);
        }
    }

    @Override
    public long nanosSinceLastReceived() {
        // While our own consumer is behind, the reader stops reading: that silence is not the peer's.
        return consumerBehind ? 0 : Math.max(0, System.nanoTime() - lastReceivedNanos);
    }

    @Override
    public boolean isOpen() {
        return !closedLocally.get() && queue.failure() == null;
    }

    @Override
    public void close() {
        if (!closedLocally.compareAndSet(false, true)) {
            return;
        }
        boolean healthy = queue.failure() == null;
        queue.fail(new TransportException(Reason.CLOSED, "the link to " + peer + " was closed locally"), true);
        if (healthy) {
            sendCloseFrame();
            // Our last frames (a REFUSE, the CLOSE) must reach the peer, but closing a socket with
            // the peer's bytes still unread resets it and drops them. So: half-close, and let the
            // reader drain until the peer closes too, for a moment at most.
            shutdownOutput();
            if (Thread.currentThread() != reader) {
                try {
                    reader.join(CLOSE_FRAME_GRACE_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        release();
        if (Thread.currentThread() != reader) {
            try {
                reader.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (accepted) {
            LOG.debug("Replication link from {} closed", peer);
        } else {
            LOG.info("Replication link to {} closed", peer);
        }
    }

    @Override
    public String toString() {
        return "TcpReplicationLink[" + peer + (isOpen() ? "" : ", closed") + "]";
    }

    // --- called by the reader -----------------------------------------------------------------

    void heard() {
        lastReceivedNanos = System.nanoTime();
    }

    void setConsumerBehind(boolean behind) {
        if (!behind) {
            lastReceivedNanos = System.nanoTime();
        }
        consumerBehind = behind;
    }

    boolean isClosedLocally() {
        return closedLocally.get();
    }

    /** The link broke: report it to receivers and release the connection. */
    void failed(TransportException e) {
        if (closedLocally.get()) {
            return;
        }
        if (accepted) {
            LOG.debug("Replication link from {} lost: {}", peer, e.getMessage());
        } else {
            LOG.warn("Replication link to {} lost: {}", peer, e.getMessage());
        }
        queue.fail(e, false);
        release();
    }

    /** The peer sent CLOSE: receivers still learn it as LINK_LOST, but it is no fault. */
    void closedByPeer(TransportException e) {
        if (closedLocally.get()) {
            return;
        }
        if (accepted) {
            LOG.debug("Replication link from {} closed by the peer", peer);
        } else {
            LOG.info("Replication link to {} closed by the peer", peer);
        }
        queue.fail(e, false);
        release();
    }

    // --- internals --------------------------------------------------------------------------

    private void heartbeatIfIdle() {
        if (!isOpen() || System.nanoTime() - lastSentNanos < heartbeatNanos / 2) {
            return;
        }
        // A sender holding the lock is proof of life already; never queue behind it.
        if (!sendLock.tryLock()) {
            return;
        }
        try {
            heartbeatFrame.clear();
            writeFully(new ByteBuffer[] {heartbeatFrame});
        } catch (IOException e) {
            failed(new TransportException(Reason.LINK_LOST,
                    "sending a heartbeat to " + peer + " failed: " + e.getMessage(), e));
        } finally {
            sendLock.unlock();
        }
    }

    private void sendCloseFrame() {
        try {
            if (!sendLock.tryLock(CLOSE_FRAME_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            // A frozen peer could leave this write blocked: drop the connection after a grace period.
            heartbeats.schedule(this::closeChannel, CLOSE_FRAME_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            writeFully(new ByteBuffer[] {FrameHeader.control(FrameKind.CLOSE).toBuffer()});
        } catch (IOException | RuntimeException e) {
            LOG.debug("Could not send CLOSE to {}: {}", peer, e.toString());
        } finally {
            sendLock.unlock();
        }
    }

    private void release() {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        heartbeats.shutdownNow();
        closeChannel();
        onClosed.accept(this);
    }

    private void shutdownOutput() {
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            LOG.debug("Half-closing the channel to {}: {}", peer, e.toString());
        }
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("Closing the channel to {}: {}", peer, e.toString());
        }
    }

    private void writeFully(ByteBuffer[] srcs) throws IOException {
        channel.writeFully(srcs);
        lastSentNanos = System.nanoTime();
    }

    private void checkUsable() throws TransportException {
        if (closedLocally.get()) {
            throw new TransportException(Reason.CLOSED, "the link to " + peer + " was closed locally");
        }
        TransportException failure = queue.failure();
        if (failure != null) {
            throw new TransportException(failure.reason(), failure.getMessage(), failure);
        }
    }

    private TransportException sendFailed(IOException e) {
        if (closedLocally.get()) {
            return new TransportException(Reason.CLOSED, "the link to " + peer + " was closed locally", e);
        }
        TransportException failure = queue.failure();
        if (failure != null) {
            return new TransportException(failure.reason(), failure.getMessage(), e);
        }
        String why = e instanceof ClosedByInterruptException
                ? "the sending thread was interrupted, which closes the connection" : e.getMessage();
        TransportException lost = new TransportException(Reason.LINK_LOST,
                "sending to " + peer + " failed: " + why, e);
        failed(lost);
        return lost;
    }

    private static ByteBuffer directCopyOf(ByteBuffer b) {
        ByteBuffer d = ByteBuffer.allocateDirect(b.remaining());
        d.put(b).flip();
        return d;
    }
}
