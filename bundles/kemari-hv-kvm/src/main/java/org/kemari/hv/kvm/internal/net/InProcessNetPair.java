package org.kemari.hv.kvm.internal.net;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Two connected in-process NIC backends, for tests: a frame sent on one endpoint is handed to the
 * other's receiver, synchronously on the sender's thread. Named pairs are found through
 * {@link NetPairRegistry} by the backend string {@code pair:<name>}.
 */
public final class InProcessNetPair {
    private final String name;
    private final Endpoint a;
    private final Endpoint b;

    public InProcessNetPair(String name) {
        this.name = name;
        this.a = new Endpoint("pair:" + name + ":a");
        this.b = new Endpoint("pair:" + name + ":b");
        a.peer = b;
        b.peer = a;
    }

    public String name() {
        return name;
    }

    /** The side a VM's NIC attaches to with {@code pair:<name>} (or {@code pair:<name>:a}). */
    public NetBackend a() {
        return a;
    }

    /** The other side, usually held by the test ({@code pair:<name>:b}). */
    public NetBackend b() {
        return b;
    }

    /**
     * A VM's attachment to side A or B: closing it only detaches that VM, so another VM (a
     * restored standby) can attach to the same side later, as to a persistent TAP.
     */
    NetBackend attach(boolean sideB) {
        return new Attachment(sideB ? b : a);
    }

    private static final class Attachment implements NetBackend {
        private final Endpoint endpoint;
        private volatile FrameReceiver receiver;
        private volatile boolean closed;

        Attachment(Endpoint endpoint) {
            this.endpoint = endpoint;
        }

        @Override
        public void send(byte[] frame) throws IOException {
            if (closed) {
                throw new IOException(endpoint.describe() + " attachment is closed");
            }
            endpoint.send(frame);
        }

        @Override
        public void setReceiver(FrameReceiver receiver) {
            if (!closed) {
                this.receiver = receiver;
                endpoint.setReceiver(receiver);
            }
        }

        @Override
        public long droppedFrames() {
            return endpoint.droppedFrames();
        }

        @Override
        public String describe() {
            return endpoint.describe();
        }

        @Override
        public void close() {
            closed = true;
            endpoint.detach(receiver);
        }
    }

    private static final class Endpoint implements NetBackend {
        private final String description;
        private final AtomicLong dropped = new AtomicLong();
        private volatile Endpoint peer;
        private volatile FrameReceiver receiver;
        private volatile boolean closed;

        Endpoint(String description) {
            this.description = description;
        }

        @Override
        public void send(byte[] frame) throws IOException {
            if (closed) {
                throw new IOException(description + " is closed");
            }
            peer.deliver(frame.clone());
        }

        private void deliver(byte[] frame) {
            FrameReceiver r = receiver;
            if (closed || r == null) {
                dropped.incrementAndGet();
                return;
            }
            r.receive(frame);
        }

        @Override
        public void setReceiver(FrameReceiver receiver) {
            this.receiver = receiver;
        }

        /** Clears the receiver if it is still {@code owner}'s. */
        synchronized void detach(FrameReceiver owner) {
            if (receiver == owner) {
                receiver = null;
            }
        }

        @Override
        public long droppedFrames() {
            return dropped.get();
        }

        @Override
        public String describe() {
            return description;
        }

        @Override
        public void close() {
            closed = true;
            receiver = null;
        }
    }
}
