package org.kemari.hv.xen.internal.disk;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import org.kemari.api.io.OutputGate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one replicated disk image over one NBD connection (the kernel's nbd device in dom0, which
 * blkback hands the guest's requests to). Reads come from the image. A write is first listed at the
 * VM's output gate (a {@link ReplicatedWrite}: the engine carries it to the standby's copy in the
 * epoch it is listed in), then done on the image and answered. Listed before answered: a guest
 * state that has seen the write done is never older than the epoch that carries it, so the
 * standby's copy is as recent as any state it commits. It is not held until the epoch commits, as
 * a shared disk's write would have to be: nothing outside the VM reads this host's image, and a Xen
 * guest cannot be checkpointed while one of its tasks waits for a write (its suspend first freezes
 * every task). A flush makes the writes done so far durable.
 */
final class DiskExport implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DiskExport.class);

    private final String vmName;
    private final String diskId;
    private final FileChannel image;
    private final long size;
    private final boolean readOnly;
    private final FdStream connection;
    private final Thread server;
    /** Taken around "list and write", so that a new gate sees no write that it missed half done. */
    private final Object writeLock = new Object();
    private OutputGate gate;
    private volatile boolean closed;
    private volatile String endReason;

    DiskExport(String vmName, String diskId, FileChannel image, long size, boolean readOnly, FdStream connection) {
        this.vmName = vmName;
        this.diskId = diskId;
        this.image = image;
        this.size = size;
        this.readOnly = readOnly;
        this.connection = connection;
        this.server = new Thread(this::serve, "kemari-xen-disk-" + vmName + "-" + diskId);
        server.setDaemon(true);
    }

    void start() {
        server.start();
    }

    /**
     * The gate that lists this disk's writes from now on (null: none). Returns once no write that
     * the previous gate (or none) saw is still on its way to the image: the engine's initial copy of
     * the image, read after this, then misses no write that is not listed.
     */
    void setGate(OutputGate gate) {
        synchronized (writeLock) {
            this.gate = gate;
        }
    }

    /** Why serving ended, or null while it runs. */
    String endReason() {
        return endReason;
    }

    boolean serving() {
        return server.isAlive();
    }

    private void serve() {
        try {
            while (true) {
                NbdWire.Request r = NbdWire.Request.decode(connection.readFully(NbdWire.REQUEST_BYTES));
                if (r.type() == NbdWire.CMD_DISC) {
                    endReason = "disconnected by the client";
                    break;
                }
                handle(r);
            }
        } catch (NbdProtocolException e) {
            endReason = "not NBD: " + e.getMessage();
            LOG.error("VM {} disk {}: the nbd client sent {}; the connection ends (the guest's disk fails)", vmName, diskId,
                    e.getMessage());
        } catch (EOFException e) {
            endReason = "the client closed the connection";
        } catch (IOException e) {
            endReason = e.getMessage();
            if (!closed) {
                LOG.error("VM {} disk {}: serving ended: {}", vmName, diskId, e.getMessage());
            }
        } finally {
            connection.close();
        }
    }

    private void handle(NbdWire.Request r) throws IOException {
        switch (r.type()) {
            case NbdWire.CMD_READ -> read(r);
            case NbdWire.CMD_WRITE -> write(r);
            case NbdWire.CMD_FLUSH -> flush(r);
            default -> {
                // Trim and the rest are not advertised; a client that sends them gets EINVAL.
                LOG.warn("VM {} disk {}: unsupported NBD command {}", vmName, diskId, r.type());
                reply(r.handle(), NbdWire.EINVAL);
            }
        }
    }

    private void read(NbdWire.Request r) throws IOException {
        if (!r.within(size) || r.length() > NbdWire.MAX_LENGTH) {
            reply(r.handle(), NbdWire.EINVAL);
            return;
        }
        ByteBuffer data = ByteBuffer.allocate(r.length());
        try {
            while (data.hasRemaining()) {
                if (image.read(data, r.offset() + data.position()) < 0) {
                    data.put(new byte[data.remaining()]); // a sparse tail past the file's end reads as zeros
                }
            }
        } catch (IOException e) {
            LOG.error("VM {} disk {}: reading {} bytes at {} failed: {}", vmName, diskId, r.length(), r.offset(), e.getMessage());
            reply(r.handle(), NbdWire.EIO);
            return;
        }
        connection.write(NbdWire.reply(r.handle(), 0), data.array());
    }

    private void write(NbdWire.Request r) throws IOException {
        byte[] data = connection.readFully(r.length()); // the payload is read whatever the answer
        if (!r.within(size)) {
            reply(r.handle(), NbdWire.EINVAL);
            return;
        }
        if (readOnly) {
            reply(r.handle(), NbdWire.EPERM);
            return;
        }
        int error = 0;
        synchronized (writeLock) {
            if (gate != null) {
                gate.submit(new ReplicatedWrite(diskId, r.offset(), data));
            }
            try {
                ByteBuffer b = ByteBuffer.wrap(data);
                long at = r.offset();
                while (b.hasRemaining()) {
                    at += image.write(b, at);
                }
            } catch (IOException e) {
                // The standby's copy gets it all the same: the copies may differ where the guest was told the write failed.
                LOG.error("VM {} disk {}: writing {} bytes at {} failed: {}", vmName, diskId, data.length, r.offset(), e.getMessage());
                error = NbdWire.EIO;
            }
        }
        reply(r.handle(), error);
    }

    private void flush(NbdWire.Request r) throws IOException {
        int error = 0;
        try {
            image.force(false);
        } catch (IOException e) {
            LOG.error("VM {} disk {}: flush failed: {}", vmName, diskId, e.getMessage());
            error = NbdWire.EIO;
        }
        reply(r.handle(), error);
    }

    private void reply(long handle, int error) throws IOException {
        connection.write(NbdWire.reply(handle, error));
    }

    String diskId() {
        return diskId;
    }

    /** Stops serving and closes the connection; the image stays open for the caller to close. */
    @Override
    public void close() {
        closed = true;
        connection.close();
        try {
            server.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
