package org.kemari.io.net.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.kemari.io.net.internal.linux.FrameHold;

/** A model of the kernel's plug qdisc: frames (named by the epoch that sent them) behind buffer boundaries. */
final class FakeFrameHold implements FrameHold {
    private final String iface;
    private final List<Long> open = new ArrayList<>();
    private List<Long> closed = new ArrayList<>();
    final List<Long> released = new ArrayList<>();
    final List<Long> dropped = new ArrayList<>();
    int closeBufferCalls;
    boolean closedWithRelease;
    boolean closedWithoutRelease;
    volatile IOException failNext;

    FakeFrameHold(String iface) {
        this.iface = iface;
    }

    /** The guest sends a frame while {@code epoch} is open. */
    synchronized void send(long epoch) {
        open.add(epoch);
    }

    @Override
    public String iface() {
        return iface;
    }

    @Override
    public synchronized long queued() {
        // Never fails: the device's poller reads it concurrently and would take an injected failure.
        return open.size() + closed.size();
    }

    @Override
    public synchronized void closeBuffer() throws IOException {
        fail();
        closeBufferCalls++;
        // sch_plug keeps one closed buffer: closing again would merge (the device must not do it).
        if (!closed.isEmpty()) {
            throw new IllegalStateException("closed a buffer while another waits: " + closed);
        }
        closed = new ArrayList<>(open);
        open.clear();
    }

    @Override
    public synchronized void releaseClosed() throws IOException {
        fail();
        released.addAll(closed);
        closed = new ArrayList<>();
    }

    @Override
    public synchronized void close(boolean release) {
        if (release) {
            closedWithRelease = true;
            released.addAll(closed);
            released.addAll(open);
        } else {
            closedWithoutRelease = true;
            dropped.addAll(closed);
            dropped.addAll(open);
        }
        closed = new ArrayList<>();
        open.clear();
    }

    private void fail() throws IOException {
        IOException e = failNext;
        if (e != null) {
            failNext = null;
            throw e;
        }
    }
}
