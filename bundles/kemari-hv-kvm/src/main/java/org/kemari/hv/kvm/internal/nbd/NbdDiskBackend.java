package org.kemari.hv.kvm.internal.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.kemari.hv.kvm.internal.virtio.DiskBackend;

/**
 * A disk on shared storage: an export of an NBD server that both the primary and the standby
 * reach. Only the active node writes: the primary releases each write after the standby's
 * acknowledgement, and a standby that takes over opens its own connection and re-issues the
 * writes that were pending in its committed state (the same bytes at the same offsets).
 *
 * <p>Its capacity is the export's size rounded down to 512 bytes. A lost connection is not
 * re-opened: every later request fails (the guest sees VIRTIO_BLK_S_IOERR) and the VM's log
 * names the cause.
 */
public final class NbdDiskBackend implements DiskBackend {
    private final NbdClient client;
    private final boolean readOnly;
    private final long capacity;

    /**
     * @param readOnly whether the guest may write; a writable disk on a read-only export is refused by the caller
     */
    public NbdDiskBackend(NbdClient client, boolean readOnly) {
        this.client = client;
        this.readOnly = readOnly;
        this.capacity = client.export().sizeBytes() & ~511L;
    }

    @Override
    public long capacityBytes() {
        return capacity;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        client.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (readOnly) {
            throw new IOException(client.uri() + " is read-only");
        }
        client.write(offset, src);
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            client.flush();
        }
    }

    @Override
    public String describe() {
        return "NBD export " + client.uri() + (readOnly ? " (read-only)" : "");
    }

    @Override
    public void close() {
        client.close();
    }
}
