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
