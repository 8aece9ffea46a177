package org.kemari.hv.kvm.internal.virtio;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.StateRecord;
import org.kemari.hv.kvm.internal.bus.GuestEvents;
import org.kemari.hv.kvm.internal.bus.GuestPhysicalMemory;
import org.kemari.hv.kvm.internal.bus.OutputRouter;
import org.kemari.hv.kvm.internal.net.NetBackend;

/**
 * virtio-net (device id 1): receiveq 0, transmitq 1, a 12-byte {@code virtio_net_hdr} before every
 * frame; offers VERSION_1 and MAC. Transmitted frames are copied into outputs for the
 * {@link OutputRouter} and their buffers returned at once. Received frames are written into posted
 * receive buffers and the guest is woken; frames that find no buffer wait in a bounded backlog
 * (beyond it they are dropped and counted). While quiesced, nothing is written to guest memory.
 */
final class VirtioNetDevice extends VirtioMmioTransport {
    static final int DEVICE_TYPE = 1;
    static final int RX_QUEUE = 0;
    static final int TX_QUEUE = 1;
    static final int QUEUE_MAX_SIZE = 256;
    static final int HEADER_SIZE = 12;
    /** The largest frame accepted in either direction (no GSO is negotiated). */
    static final int MAX_FRAME = 65535;
    static final int BACKLOG_LIMIT = 256;

    private final NetBackend backend;
    private final byte[] config;
    private final Deque<byte[]> backlog = new ArrayDeque<>();
    private final NetCounters counters = new NetCounters();
    private boolean closed;
    /** Set by restore: the first resume announces the MAC on its new host. */
    private boolean announceOnResume;

    VirtioNetDevice(String id, long base, byte[] mac, NetBackend backend, GuestPhysicalMemory memory,
                    GuestEvents events, OutputRouter router) {
        super(id, base, memory, events, router, 2, QUEUE_MAX_SIZE);
        if (mac.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, got " + mac.length);
        }
        this.backend = backend;
        this.config = mac.clone();
    }

    /** Starts taking frames from the backend; called once the device is fully built. */
    void start() {
        backend.setReceiver(this::frameReceived);
    }

    NetCounters counters() {
        synchronized (lock) {
            return counters.copy();
        }
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    protected long offeredFeatures() {
        return VirtioFeatures.VERSION_1 | VirtioFeatures.NET_MAC;
    }

    @Override
    protected byte[] configSpace() {
        return config;
    }

    @Override
    protected void processQueue(int index) throws VirtqueueException {
        if (index == TX_QUEUE) {
            transmit();
        } else if (!quiesced()) {
            deliverBacklog();
        }
    }

    private void transmit() throws VirtqueueException {
        SplitVirtqueue tx = queue(TX_QUEUE);
        DescriptorChain chain;
        while ((chain = tx.poll()) != null) {
            long frameLength = chain.readableLength() - HEADER_SIZE;
            if (frameLength < 0 || frameLength > MAX_FRAME) {
                log.debug("{}: transmit buffer of {} bytes dropped", id(), chain.readableLength());
                counters.txDropped++;
            } else {
                // Copied now so the guest may reuse its buffer as soon as it sees it used.
                byte[] frame = new byte[(int) frameLength];
                chain.read(memory, HEADER_SIZE, ByteBuffer.wrap(frame));
                submitLater(new NetFrameOutput(id(), backend, frame));
                counters.txFrames++;
            }
            tx.pushUsed(chain.head(), 0);
            buffersUsed();
        }
    }

    /** Called on the backend's thread for every received frame. */
    private void frameReceived(byte[] frame) {
        runLocked(() -> {
            if (closed) {
                return;
            }
            if (frame.length > MAX_FRAME || backlog.size() >= BACKLOG_LIMIT) {
                counters.rxDropped++;
                return;
            }
            backlog.addLast(frame);
            if (!quiesced() && live()) {
                runGuarded(this::deliverBacklog);
            }
        });
    }

    /**
     * Moves waiting frames into posted receive buffers; called with the lock held, not quiesced.
     * The receive queue is polled whenever a frame arrives, so the guest need not notify it after
     * reposting buffers (VIRTQ_USED_F_NO_NOTIFY) — except while frames wait for buffers.
     */
    private void deliverBacklog() throws VirtqueueException {
        SplitVirtqueue rx = queue(RX_QUEUE);
        while (true) {
            fillPostedBuffers(rx);
            if (backlog.isEmpty()) {
                rx.suppressNotifications(true);
                return;
            }
            // Out of buffers: ask for a notify, then look again in case the guest posted one
            // before it could see the request (the driver checks the flag after posting).
            rx.suppressNotifications(false);
            VarHandle.fullFence();
            if (!rx.hasAvailable()) {
                return;
            }
        }
    }

    private void fillPostedBuffers(SplitVirtqueue rx) throws VirtqueueException {
        while (!backlog.isEmpty()) {
            DescriptorChain chain = rx.poll();
            if (chain == null) {
                return;
            }
            byte[] frame = backlog.removeFirst();
            int length = HEADER_SIZE + frame.length;
            if (chain.writableLength() < length) {
                // Keep the buffer for the next frame; this one can never fit the guest's buffers.
                log.debug("{}: received frame of {} bytes does not fit a {}-byte buffer; dropped",
                        id(), frame.length, chain.writableLength());
                rx.unpoll();
                counters.rxDropped++;
                continue;
            }
            ByteBuffer packet = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            packet.putShort(10, (short) 1); // num_buffers: one buffer per frame
            packet.put(HEADER_SIZE, frame);
            chain.write(memory, 0, packet);
            rx.pushUsed(chain.head(), length);
            counters.rxFrames++;
            buffersUsed();
        }
    }

    @Override
    protected void resumeDevice() throws VirtqueueException {
        if (announceOnResume) {
            announceOnResume = false;
            announce();
        }
        deliverBacklog();
    }

    /** Sends the RARP announcement a few times from a short-lived thread (never from the vCPU's). */
    private void announce() {
        byte[] frame = Announcement.rarp(config);
        Thread t = new Thread(() -> {
            long start = System.nanoTime();
            for (long delay : Announcement.DELAYS_MILLIS) {
                long wait = delay - (System.nanoTime() - start) / 1_000_000;
                try {
                    if (wait > 0) {
                        Thread.sleep(wait);
                    }
                    backend.send(frame);
                } catch (InterruptedException e) {
                    return;
                } catch (java.io.IOException | RuntimeException e) {
                    log.warn("{}: could not announce the MAC after restore: {}", id(), e.toString());
                    return;
                }
            }
            log.info("{}: announced {} on {} (RARP)", id(), macText(), backend.describe());
        }, "kemari-announce-" + id());
        t.setDaemon(true);
        t.start();
    }

    private String macText() {
        StringBuilder sb = new StringBuilder();
        for (byte b : config) {
            sb.append(sb.length() == 0 ? "" : ":").append(String.format("%02x", b));
        }
        return sb.toString();
    }

    @Override
    protected void resetDevice() {
        backlog.clear();
    }

    @Override
    public StateRecord save() {
        synchronized (lock) {
            return new VirtioNetState(transportState()).toRecord(id());
        }
    }

    @Override
    public void restore(StateRecord state) throws HypervisorException {
        VirtioNetState s = VirtioNetState.fromRecord(state);
        synchronized (lock) {
            restoreTransport(s.transport());
            announceOnResume = true;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            backlog.clear();
        }
        backend.setReceiver(null);
        backend.close();
    }

    /** Frame counts, for tests and diagnostics. */
    static final class NetCounters {
        long txFrames;
        long txDropped;
        long rxFrames;
        long rxDropped;

        NetCounters copy() {
            NetCounters c = new NetCounters();
            c.txFrames = txFrames;
            c.txDropped = txDropped;
            c.rxFrames = rxFrames;
            c.rxDropped = rxDropped;
            return c;
        }
    }
}
