package org.kemari.core.internal.standby;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.MemoryImage;
import org.kemari.api.hv.VmSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a standby holds of one VM: the last committed epoch's memory image, machine state, spec,
 * and the committed disk writes not yet applied. Only {@link EpochAssembler} changes it, one
 * whole epoch at a time under the write lock, so every read sees an epoch boundary. It outlives
 * links: a new stream's epoch 0 replaces it only when that epoch commits.
 *
 * <p>For failover, stop the receiver first and then read {@link #spec()}, {@link #memory()} and
 * {@link #machineState()}: each read is consistent, but reads spread over a commit would mix
 * epochs.
 */
public final class CommittedState implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CommittedState.class);

    private final String vmName;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final ArrayDeque<CommittedDiskWrite> diskWrites = new ArrayDeque<>();
    private long epoch = -1;
    private String backend;
    private VmSpec spec;
    private CommittedImage image;
    private MachineState state;

    /** An empty store for the VM named {@code vmName}; streams for other VMs are refused. */
    public CommittedState(String vmName) {
        this.vmName = Objects.requireNonNull(vmName, "vmName");
    }

    public String vmName() {
        return vmName;
    }

    /** The last committed epoch, or -1 before the first initial synchronisation committed. */
    public long epoch() {
        lock.readLock().lock();
        try {
            return epoch;
        } finally {
            lock.readLock().unlock();
        }
    }

    public boolean hasCommitted() {
        return epoch() >= 0;
    }

    /** The backend that wrote the committed machine state. */
    public String backend() {
        return read(() -> backend);
    }

    public VmSpec spec() {
        return read(() -> spec);
    }

    public MachineState machineState() {
        return read(() -> state);
    }

    /** The committed memory as a backend's restore reads it; each read is taken between commits. */
    public MemoryImage memory() {
        CommittedImage current = read(() -> image);
        return new MemoryImage() {
            @Override
            public long size() {
                return current.size();
            }

            @Override
            public void read(long offset, ByteBuffer dst) {
                lock.readLock().lock();
                try {
                    if (image != current) {
                        throw new IllegalStateException("a newer initial synchronisation replaced this memory image");
                    }
                    current.read(offset, dst);
                } finally {
                    lock.readLock().unlock();
                }
            }
        };
    }

    /** Committed disk writes not yet applied. */
    public int pendingDiskWrites() {
        synchronized (diskWrites) {
            return diskWrites.size();
        }
    }

    /**
     * Applies the committed disk writes in order, removing each once the sink took it, then forces
     * the sink. If the sink fails, the failed write and those after it stay queued for a retry.
     *
     * @return how many writes were applied
     */
    public int applyDiskWrites(DiskWriteSink sink) throws IOException {
        int applied = 0;
        synchronized (diskWrites) {
            while (!diskWrites.isEmpty()) {
                CommittedDiskWrite w = diskWrites.peekFirst();
                sink.write(w.diskId(), w.offset(), w.data().duplicate());
                diskWrites.removeFirst();
                applied++;
            }
            if (applied > 0) {
                sink.force();
            }
        }
        return applied;
    }

    /** Hands the committed disk writes to a consumer, in order, removing them. */
    public List<CommittedDiskWrite> takeDiskWrites() {
        synchronized (diskWrites) {
            List<CommittedDiskWrite> all = List.copyOf(diskWrites);
            diskWrites.clear();
            return all;
        }
    }

    /** Commits an initial synchronisation: the new image replaces the old one whole. */
    void commitInitial(long number, String newBackend, VmSpec newSpec, CommittedImage newImage,
                       MachineState newState, List<CommittedDiskWrite> writes) {
        CommittedImage old;
        lock.writeLock().lock();
        try {
            old = image;
            image = newImage;
            backend = newBackend;
            spec = newSpec;
            state = newState;
            queue(writes);
            epoch = number;
        } finally {
            lock.writeLock().unlock();
        }
        if (old != null) {
            old.close();
        }
        LOG.info("{}: initial synchronisation committed as epoch {} ({} of memory)", vmName, number,
                StreamPages.mib(newImage.size()));
    }

    /**
     * Commits an epoch of a backend checkpoint stream: the backend holds the VM's memory and state
     * (it has been given the epoch's bytes), this store the epoch number and spec, and queues the
     * epoch's replicated-disk writes to be applied.
     */
    void commitStream(long number, String newBackend, VmSpec newSpec, MachineState newState, List<CommittedDiskWrite> writes) {
        lock.writeLock().lock();
        try {
            backend = newBackend;
            spec = newSpec;
            state = newState;
            queue(writes);
            epoch = number;
        } finally {
            lock.writeLock().unlock();
        }
        LOG.debug("{}: backend stream epoch {} committed", vmName, number);
    }

    /** Commits an incremental epoch onto the current image. */
    void commitIncremental(long number, PageStaging pages, MachineState newState, List<CommittedDiskWrite> writes) {
        lock.writeLock().lock();
        try {
            pages.applyTo(image);
            state = newState;
            queue(writes);
            epoch = number;
        } finally {
            lock.writeLock().unlock();
        }
        LOG.debug("{}: epoch {} committed ({} pages)", vmName, number, pages.count());
    }

    private void queue(List<CommittedDiskWrite> writes) {
        synchronized (diskWrites) {
            diskWrites.addAll(writes);
        }
    }

    private <T> T read(java.util.function.Supplier<T> field) {
        lock.readLock().lock();
        try {
            if (epoch < 0) {
                throw new IllegalStateException(vmName + ": nothing committed yet");
            }
            return field.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (image != null) {
                image.close();
                image = null;
            }
            epoch = -1;
        } finally {
            lock.writeLock().unlock();
        }
    }
}
