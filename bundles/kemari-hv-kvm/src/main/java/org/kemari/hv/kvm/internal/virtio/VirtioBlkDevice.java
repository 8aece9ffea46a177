package org.kemari.hv.kvm.internal.virtio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.StateRecord;
import org.kemari.hv.kvm.internal.bus.GuestEvents;
import org.kemari.hv.kvm.internal.bus.GuestPhysicalMemory;
import org.kemari.hv.kvm.internal.bus.OutputRouter;

/**
 * virtio-blk (device id 2) over a {@link DiskBackend}. One request queue, processed synchronously
 * when the guest notifies it. Reads, flushes and GET_ID complete at once; every write is an
 * output: it is copied, handed to the {@link OutputRouter}, and completes only when the router
 * releases it (at once for an unprotected VM, after the standby's acknowledgement otherwise).
 * Writes not yet completed are part of the saved state and are re-issued after a restore.
 */
final class VirtioBlkDevice extends VirtioMmioTransport {
    static final int DEVICE_TYPE = 2;
    static final int QUEUE_MAX_SIZE = 256;

    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;

    static final byte S_OK = 0;
    static final byte S_IOERR = 1;
    static final byte S_UNSUPP = 2;

    static final int SECTOR_SIZE = 512;
    static final int HEADER_SIZE = 16;
    static final int ID_BYTES = 20;
    /** Refuse larger single requests: they would need that much heap for the copy. */
    static final long MAX_REQUEST_BYTES = 32L << 20;

    private final DiskBackend disk;
    private final byte[] config;

    /** Writes handed to the router and not yet completed, by head index, in submission order. */
    private final Map<Integer, BlkWriteRequest> inFlight = new LinkedHashMap<>();
    /** Writes released while quiesced: completed in guest memory when the device resumes. */
    private final List<BlkWriteRequest> completedWhileQuiesced = new ArrayList<>();
    /** Heads of writes restored from saved state, re-issued when the device resumes. */
    private List<Integer> toReissue = List.of();

    VirtioBlkDevice(String id, long base, DiskBackend disk, GuestPhysicalMemory memory, GuestEvents events,
                    OutputRouter router) {
        super(id, base, memory, events, router, 1, QUEUE_MAX_SIZE);
        this.disk = disk;
        this.config = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(disk.capacityBytes() / SECTOR_SIZE).array();
    }

    DiskBackend disk() {
        return disk;
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    protected long offeredFeatures() {
        return VirtioFeatures.VERSION_1 | VirtioFeatures.BLK_FLUSH | (disk.readOnly() ? VirtioFeatures.BLK_RO : 0);
    }

    @Override
    protected byte[] configSpace() {
        return config;
    }

    @Override
    protected void processQueue(int index) throws VirtqueueException {
        SplitVirtqueue q = queue(0);
        DescriptorChain chain;
        while ((chain = q.poll()) != null) {
            handle(chain);
        }
    }

    private void handle(DescriptorChain chain) throws VirtqueueException {
        BlkRequestHeader header = BlkRequestHeader.read(memory, chain);
        switch (header.type()) {
            case T_IN -> handleRead(chain, header);
            case T_OUT -> handleWrite(chain, header);
            case T_FLUSH -> handleFlush(chain);
            case T_GET_ID -> handleGetId(chain);
            default -> {
                log.debug("{}: unsupported request type {}", id(), header.type());
                complete(chain, S_UNSUPP, 1);
            }
        }
    }

    private void handleRead(DescriptorChain chain, BlkRequestHeader header) {
        long length = chain.writableLength() - 1;
        String refusal = checkRange(header.sector(), length);
        if (refusal != null) {
            log.warn("{}: read refused: {}", id(), refusal);
            complete(chain, S_IOERR, 1);
            return;
        }
        ByteBuffer data = ByteBuffer.allocate((int) length);
        try {
            disk.read(header.sector() * SECTOR_SIZE, data);
        } catch (IOException e) {
            log.error("{}: read of {} bytes at sector {} failed", id(), length, header.sector(), e);
            complete(chain, S_IOERR, 1);
            return;
        }
        chain.write(memory, 0, data.flip());
        complete(chain, S_OK, (int) length + 1);
    }

    private void handleWrite(DescriptorChain chain, BlkRequestHeader header) {
        if (disk.readOnly()) {
            log.debug("{}: write to read-only disk refused", id());
            complete(chain, S_IOERR, 1);
            return;
        }
        long length = chain.readableLength() - HEADER_SIZE;
        String refusal = checkRange(header.sector(), length);
        if (refusal != null) {
            log.warn("{}: write refused: {}", id(), refusal);
            complete(chain, S_IOERR, 1);
            return;
        }
        // Copied now: the output must carry the data as the guest wrote it at this point.
        ByteBuffer data = ByteBuffer.allocate((int) length);
        chain.read(memory, HEADER_SIZE, data);
        BlkWriteRequest request = new BlkWriteRequest(this, chain.head(),
                chain.writableAddress(chain.writableLength() - 1), header.sector() * SECTOR_SIZE, data.array());
        inFlight.put(chain.head(), request);
        submitLater(request);
    }

    private void handleFlush(DescriptorChain chain) {
        try {
            disk.flush();
            complete(chain, S_OK, 1);
        } catch (IOException e) {
            log.error("{}: flush failed", id(), e);
            complete(chain, S_IOERR, 1);
        }
    }

    private void handleGetId(DescriptorChain chain) {
        byte[] serial = new byte[ID_BYTES];
        byte[] name = id().getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, serial, 0, Math.min(name.length, ID_BYTES));
        int n = (int) Math.min(ID_BYTES, chain.writableLength() - 1);
        chain.write(memory, 0, ByteBuffer.wrap(serial, 0, n));
        complete(chain, S_OK, n + 1);
    }

    private String checkRange(long sector, long length) {
        if (length % SECTOR_SIZE != 0) {
            return "data length " + length + " is not a multiple of " + SECTOR_SIZE;
        }
        if (length > MAX_REQUEST_BYTES) {
            return "data length " + length + " exceeds the " + MAX_REQUEST_BYTES + "-byte limit per request";
        }
        long capacitySectors = disk.capacityBytes() / SECTOR_SIZE;
        if (sector < 0 || sector > capacitySectors || length / SECTOR_SIZE > capacitySectors - sector) {
            return "sectors " + sector + "+" + length / SECTOR_SIZE + " beyond the capacity of " + capacitySectors;
        }
        return null;
    }

    private void complete(DescriptorChain chain, byte status, int written) {
        memory.writeByte(chain.writableAddress(chain.writableLength() - 1), status);
        queue(0).pushUsed(chain.head(), written);
        buffersUsed();
    }

    /** A released write is on the disk (or failed): complete it in guest memory, unless the device moved on. */
    void writeDone(BlkWriteRequest request) {
        runLocked(() -> {
            if (inFlight.get(request.head()) != request) {
                log.debug("{}: {} finished after a reset or restore; nothing to complete", id(), request);
            } else if (quiesced()) {
                // No guest memory writes while the VM is being captured; it stays in flight in saved state.
                completedWhileQuiesced.add(request);
            } else {
                completeWrite(request);
            }
        });
    }

    private void completeWrite(BlkWriteRequest request) {
        inFlight.remove(request.head());
        memory.writeByte(request.statusAddr(), request.status());
        queue(0).pushUsed(request.head(), 1);
        buffersUsed();
    }

    @Override
    protected void resumeDevice() throws VirtqueueException {
        for (BlkWriteRequest request : completedWhileQuiesced) {
            if (inFlight.get(request.head()) == request) {
                completeWrite(request);
            }
        }
        completedWhileQuiesced.clear();
        List<Integer> heads = toReissue;
        toReissue = List.of();
        for (int head : heads) {
            DescriptorChain chain = queue(0).readChain(head);
            BlkRequestHeader header = BlkRequestHeader.read(memory, chain);
            if (header.type() != T_OUT) {
                throw new VirtqueueException("restored in-flight request at head " + head
                        + " is no longer a write (type " + header.type() + ")");
            }
            log.info("{}: re-issuing disk write at head {} (sector {})", id(), head, header.sector());
            handleWrite(chain, header);
        }
    }

    @Override
    protected void resetDevice() {
        // Outputs already handed out may still be released: their data reaches the disk, but the
        // guest gave the request up, so nothing is completed in its memory.
        inFlight.clear();
        completedWhileQuiesced.clear();
        toReissue = List.of();
    }

    @Override
    public StateRecord save() {
        synchronized (lock) {
            List<Integer> heads = new ArrayList<>(toReissue);
            heads.addAll(inFlight.keySet());
            return new VirtioBlkState(transportState(), heads).toRecord(id());
        }
    }

    @Override
    public void restore(StateRecord state) throws HypervisorException {
        VirtioBlkState s = VirtioBlkState.fromRecord(state);
        synchronized (lock) {
            restoreTransport(s.transport());
            for (int head : s.inFlightHeads()) {
                if (head < 0 || head >= Math.max(1, queue(0).size())) {
                    throw StateReader.badState(id() + ": in-flight head " + head + " out of range");
                }
            }
            toReissue = s.inFlightHeads();
        }
    }

    @Override
    public void close() {
        disk.close();
    }
}
