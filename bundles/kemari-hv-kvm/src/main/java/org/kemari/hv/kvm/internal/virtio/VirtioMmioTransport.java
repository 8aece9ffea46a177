package org.kemari.hv.kvm.internal.virtio;

import java.util.ArrayList;
import java.util.List;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.io.PendingOutput;
import org.kemari.hv.kvm.internal.bus.GuestEvents;
import org.kemari.hv.kvm.internal.bus.GuestPhysicalMemory;
import org.kemari.hv.kvm.internal.bus.OutputRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.kemari.hv.kvm.internal.virtio.VirtioMmioRegisters.*;

/**
 * The virtio-mmio version 2 register window and device life cycle shared by all Kemari virtio
 * devices: feature negotiation (VERSION_1 required), queue set-up, reset on Status=0, and
 * DEVICE_NEEDS_RESET when the driver hands over something unusable. Subclasses supply the
 * device type, its features, config space and queue processing.
 *
 * <p>Threading: register accesses come from vCPU threads; completions and received frames may come
 * from other threads. All state is guarded by {@link #lock}. Outputs are handed to the
 * {@link OutputRouter}, and the guest is signalled, only after the lock is released: a gate may
 * call {@link PendingOutput#release()} synchronously, or hold its own lock while releasing.
 *
 * <p>Nothing thrown while handling a guest access escapes into the vCPU loop: errors are logged
 * and the device sets DEVICE_NEEDS_RESET.
 */
abstract class VirtioMmioTransport implements VirtioMmioDevice {
    /**
     * Set while a vCPU thread handles a guest access to this device: the guest looks at the rings
     * when it resumes, so what this thread completes needs no wake-up.
     */
    private final ThreadLocal<Boolean> onVcpuExit = ThreadLocal.withInitial(() -> Boolean.FALSE);

    protected final Logger log = LoggerFactory.getLogger(getClass());
    protected final Object lock = new Object();
    protected final GuestPhysicalMemory memory;

    private final String id;
    private final long base;
    private final GuestEvents events;
    private final OutputRouter router;
    private final SplitVirtqueue[] queues;

    private int status;
    private long driverFeatures;
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private int queueSel;
    private int interruptStatus;
    private boolean quiesced;
    private boolean signalWanted;
    private String lastError;

    /** Outputs produced under the lock, submitted by the same thread once it is released. */
    private final List<PendingOutput> outbox = new ArrayList<>();

    protected VirtioMmioTransport(String id, long base, GuestPhysicalMemory memory, GuestEvents events,
                                  OutputRouter router, int queueCount, int queueMaxSize) {
        this.id = id;
        this.base = base;
        this.memory = memory;
        this.events = events;
        this.router = router;
        this.queues = new SplitVirtqueue[queueCount];
        for (int i = 0; i < queueCount; i++) {
            queues[i] = new SplitVirtqueue(memory, queueMaxSize);
        }
    }

    // ---- what a device type supplies -------------------------------------------------------

    /** The features this device offers (VERSION_1 must be among them). */
    protected abstract long offeredFeatures();

    /** The device-specific configuration space, read at offset 0x100. */
    protected abstract byte[] configSpace();

    /** The driver notified queue {@code index}; called with the lock held and the device live. */
    protected abstract void processQueue(int index) throws VirtqueueException;

    /** Drops device-specific request state on reset; called with the lock held. */
    protected abstract void resetDevice();

    /** Background activity may go on again (after quiesce or restore); called with the lock held. */
    protected void resumeDevice() throws VirtqueueException {
    }

    // ---- MmioDevice ------------------------------------------------------------------------

    @Override
    public String id() {
        return id;
    }

    @Override
    public long base() {
        return base;
    }

    @Override
    public long size() {
        return WINDOW_SIZE;
    }

    @Override
    public long read(long offset, int len) {
        try {
            synchronized (lock) {
                if (offset >= CONFIG) {
                    return readConfig((int) (offset - CONFIG), len);
                }
                if (len != 4) {
                    log.warn("{}: {}-byte read of register 0x{} ignored (registers are 32-bit)", id, len, Long.toHexString(offset));
                    return 0;
                }
                return readRegister((int) offset) & 0xffffffffL;
            }
        } catch (RuntimeException e) {
            fail("read of register 0x" + Long.toHexString(offset) + " failed: " + e, e);
            return 0;
        }
    }

    @Override
    public void write(long offset, int len, long value) {
        onVcpuExit.set(Boolean.TRUE);
        try {
            runLocked(() -> {
                if (offset >= CONFIG) {
                    log.debug("{}: write to read-only config space at 0x{} ignored", id, Long.toHexString(offset));
                } else if (len != 4) {
                    log.warn("{}: {}-byte write of register 0x{} ignored (registers are 32-bit)", id, len, Long.toHexString(offset));
                } else {
                    writeRegister((int) offset, (int) value);
                }
            });
        } catch (RuntimeException e) {
            fail("write of register 0x" + Long.toHexString(offset) + " failed: " + e, e);
        } finally {
            onVcpuExit.set(Boolean.FALSE);
        }
    }

    private int readRegister(int offset) {
        switch (offset) {
            case MAGIC_VALUE: return MAGIC;
            case VERSION: return MMIO_VERSION;
            case DEVICE_ID: return deviceType();
            case VENDOR_ID: return KEMARI_VENDOR;
            case DEVICE_FEATURES:
                return deviceFeaturesSel == 0 ? (int) offeredFeatures()
                        : deviceFeaturesSel == 1 ? (int) (offeredFeatures() >>> 32) : 0;
            case QUEUE_NUM_MAX: return selectedQueue() == null ? 0 : selectedQueue().maxSize();
            case QUEUE_NUM: return selectedQueue() == null ? 0 : selectedQueue().size();
            case QUEUE_READY: return selectedQueue() != null && selectedQueue().ready() ? 1 : 0;
            case QUEUE_DESC_LOW: return selectedQueue() == null ? 0 : (int) selectedQueue().descAddr();
            case QUEUE_DESC_HIGH: return selectedQueue() == null ? 0 : (int) (selectedQueue().descAddr() >>> 32);
            case QUEUE_DRIVER_LOW: return selectedQueue() == null ? 0 : (int) selectedQueue().driverAddr();
            case QUEUE_DRIVER_HIGH: return selectedQueue() == null ? 0 : (int) (selectedQueue().driverAddr() >>> 32);
            case QUEUE_DEVICE_LOW: return selectedQueue() == null ? 0 : (int) selectedQueue().deviceAddr();
            case QUEUE_DEVICE_HIGH: return selectedQueue() == null ? 0 : (int) (selectedQueue().deviceAddr() >>> 32);
            case INTERRUPT_STATUS: return interruptStatus;
            case STATUS: return status;
            case SHM_LEN_LOW:
            case SHM_LEN_HIGH:
                return -1; // no shared memory regions
            case CONFIG_GENERATION: return 0; // the config space never changes
            default: return 0;
        }
    }

    private void writeRegister(int offset, int value) {
        switch (offset) {
            case DEVICE_FEATURES_SEL -> deviceFeaturesSel = value;
            case DRIVER_FEATURES_SEL -> driverFeaturesSel = value;
            case DRIVER_FEATURES -> writeDriverFeatures(value);
            case QUEUE_SEL -> queueSel = value;
            case QUEUE_NUM -> configureQueue(q -> q.setSize(value));
            case QUEUE_DESC_LOW -> configureQueue(q -> q.setDescAddr(low(q.descAddr(), value)));
            case QUEUE_DESC_HIGH -> configureQueue(q -> q.setDescAddr(high(q.descAddr(), value)));
            case QUEUE_DRIVER_LOW -> configureQueue(q -> q.setDriverAddr(low(q.driverAddr(), value)));
            case QUEUE_DRIVER_HIGH -> configureQueue(q -> q.setDriverAddr(high(q.driverAddr(), value)));
            case QUEUE_DEVICE_LOW -> configureQueue(q -> q.setDeviceAddr(low(q.deviceAddr(), value)));
            case QUEUE_DEVICE_HIGH -> configureQueue(q -> q.setDeviceAddr(high(q.deviceAddr(), value)));
            case QUEUE_READY -> writeQueueReady(value);
            case QUEUE_NOTIFY -> notifyQueue(value);
            case INTERRUPT_ACK -> interruptStatus &= ~value;
            case STATUS -> writeStatus(value);
            default -> log.debug("{}: write of 0x{} to register 0x{} ignored", id,
                    Integer.toHexString(value), Integer.toHexString(offset));
        }
    }

    private void writeDriverFeatures(int value) {
        if ((status & VirtioStatus.FEATURES_OK) != 0) {
            log.warn("{}: driver features written after FEATURES_OK; ignored", id);
            return;
        }
        if (driverFeaturesSel == 0) {
            driverFeatures = (driverFeatures & 0xffffffff00000000L) | (value & 0xffffffffL);
        } else if (driverFeaturesSel == 1) {
            driverFeatures = (driverFeatures & 0xffffffffL) | ((long) value << 32);
        } else if (value != 0) {
            log.warn("{}: driver accepts unknown features 0x{} in word {}", id, Integer.toHexString(value), driverFeaturesSel);
            driverFeatures |= 1L << 63; // makes the FEATURES_OK check fail: nothing up there is offered
        }
    }

    private void writeStatus(int value) {
        if (value == 0) {
            reset();
            return;
        }
        int old = status;
        status = (value & ~VirtioStatus.DEVICE_NEEDS_RESET) | (old & VirtioStatus.DEVICE_NEEDS_RESET);
        if ((value & VirtioStatus.FEATURES_OK) != 0 && (old & VirtioStatus.FEATURES_OK) == 0) {
            String refusal = checkDriverFeatures();
            if (refusal != null) {
                log.warn("{}: refusing FEATURES_OK: {}", id, refusal);
                status &= ~VirtioStatus.FEATURES_OK;
            }
        }
        if ((status & VirtioStatus.DRIVER_OK) != 0 && (old & VirtioStatus.DRIVER_OK) == 0) {
            log.debug("{}: driver ready, features 0x{}", id, Long.toHexString(driverFeatures));
            if (live() && !quiesced) {
                runGuarded(this::resumeDevice);
            }
        }
    }

    private String checkDriverFeatures() {
        if ((driverFeatures & VirtioFeatures.VERSION_1) == 0) {
            return "the driver did not accept VIRTIO_F_VERSION_1 (legacy drivers are not supported)";
        }
        long unknown = driverFeatures & ~offeredFeatures();
        if (unknown != 0) {
            return "the driver accepted features the device does not offer: 0x" + Long.toHexString(unknown);
        }
        return null;
    }

    private void writeQueueReady(int value) {
        SplitVirtqueue q = selectedQueue();
        if (q == null) {
            log.warn("{}: QueueReady for nonexistent queue {}", id, queueSel);
            return;
        }
        if (value == 0) {
            q.disable();
            return;
        }
        runGuarded(q::enable);
    }

    private void notifyQueue(int index) {
        if (index < 0 || index >= queues.length) {
            log.warn("{}: notify for nonexistent queue {}", id, index);
            return;
        }
        if (!live()) {
            log.debug("{}: notify for queue {} while the device is not live (status 0x{})", id, index, Integer.toHexString(status));
            return;
        }
        runGuarded(() -> processQueue(index));
    }

    private void configureQueue(java.util.function.Consumer<SplitVirtqueue> change) {
        SplitVirtqueue q = selectedQueue();
        if (q == null) {
            log.warn("{}: configuring nonexistent queue {}", id, queueSel);
        } else if (q.ready()) {
            log.warn("{}: queue {} reconfigured while ready; ignored", id, queueSel);
        } else {
            change.accept(q);
        }
    }

    private SplitVirtqueue selectedQueue() {
        return queueSel >= 0 && queueSel < queues.length ? queues[queueSel] : null;
    }

    /** Little-endian read of {@code len} bytes of the config space; bytes past its end read as 0. */
    private long readConfig(int offset, int len) {
        byte[] config = configSpace();
        long value = 0;
        for (int i = len - 1; i >= 0; i--) {
            int at = offset + i;
            value = (value << 8) | (at < config.length ? config[at] & 0xff : 0);
        }
        return value;
    }

    // ---- life cycle ------------------------------------------------------------------------

    private void reset() {
        log.debug("{}: reset", id);
        status = 0;
        driverFeatures = 0;
        deviceFeaturesSel = 0;
        driverFeaturesSel = 0;
        queueSel = 0;
        interruptStatus = 0;
        lastError = null;
        for (SplitVirtqueue q : queues) {
            q.reset();
        }
        resetDevice();
    }

    /** Whether the driver finished set-up and the device is usable: queues may be processed. */
    protected final boolean live() {
        int needed = VirtioStatus.FEATURES_OK | VirtioStatus.DRIVER_OK;
        int broken = VirtioStatus.DEVICE_NEEDS_RESET | VirtioStatus.FAILED;
        return (status & needed) == needed && (status & broken) == 0;
    }

    protected final boolean quiesced() {
        return quiesced;
    }

    protected final SplitVirtqueue queue(int index) {
        return queues[index];
    }

    protected final long driverFeatures() {
        return driverFeatures;
    }

    /** Called with the lock held when buffers were used: notes the interrupt and wakes the guest if needed. */
    protected final void buffersUsed() {
        interruptStatus |= INTERRUPT_USED_BUFFER;
        if (!onVcpuExit.get() || events.interruptsOnVcpuExit()) {
            signalWanted = true;
        }
    }

    /** Queues an output for the router; {@link #runLocked} submits it when the lock is released. */
    protected final void submitLater(PendingOutput output) {
        outbox.add(output);
    }

    /**
     * Runs {@code body} with the lock held, then, with the lock released, submits the outputs it
     * produced (on this thread, in order: an unprotected VM's write completes before the vCPU
     * returns to the guest) and wakes the guest if a completion asked for it. Not to be nested in
     * another locked section.
     */
    protected final void runLocked(Runnable body) {
        List<PendingOutput> outputs;
        boolean signal;
        synchronized (lock) {
            body.run();
            outputs = outbox.isEmpty() ? List.of() : new ArrayList<>(outbox);
            outbox.clear();
            signal = signalWanted;
            signalWanted = false;
        }
        for (PendingOutput output : outputs) {
            router.submit(output);
        }
        if (signal) {
            events.signal();
        }
    }

    /** Runs device work with the lock held; a malformed queue or a bug sets DEVICE_NEEDS_RESET. */
    protected final void runGuarded(QueueWork work) {
        try {
            work.run();
        } catch (VirtqueueException e) {
            fail(e.getMessage(), null);
        } catch (RuntimeException e) {
            fail("internal error: " + e, e);
        }
    }

    /** The device cannot go on until the driver resets it. */
    protected final void fail(String why, Throwable cause) {
        synchronized (lock) {
            if (cause != null) {
                log.error("{}: device needs reset: {}", id, why, cause);
            } else {
                log.error("{}: device needs reset: {}", id, why);
            }
            lastError = why;
            status |= VirtioStatus.DEVICE_NEEDS_RESET;
        }
    }

    /** Why the device last set DEVICE_NEEDS_RESET, or null. */
    final String lastError() {
        synchronized (lock) {
            return lastError;
        }
    }

    /** Work on the queues that may find them malformed. */
    @FunctionalInterface
    protected interface QueueWork {
        void run() throws VirtqueueException;
    }

    // ---- DeviceModel -----------------------------------------------------------------------

    @Override
    public void quiesce() {
        synchronized (lock) {
            // Background threads deliver under the lock, so once we hold it they are done.
            quiesced = true;
        }
    }

    @Override
    public void unquiesce() {
        runLocked(() -> {
            quiesced = false;
            if (live()) {
                runGuarded(this::resumeDevice);
            }
        });
    }

    /** The transport's state, for a device's save(); called with the lock held. */
    protected final VirtioMmioState transportState() {
        List<VirtqueueState> qs = new ArrayList<>(queues.length);
        for (SplitVirtqueue q : queues) {
            qs.add(q.state());
        }
        return new VirtioMmioState(deviceType(), status, driverFeatures, deviceFeaturesSel, driverFeaturesSel,
                queueSel, interruptStatus, qs);
    }

    /**
     * Takes over a saved transport state, for a device's restore(); called with the lock held.
     * The device is left quiesced: nothing touches guest memory until {@link #unquiesce()}.
     */
    protected final void restoreTransport(VirtioMmioState s) throws HypervisorException {
        if (s.deviceType() != deviceType()) {
            throw StateReader.badState(id + ": saved state is of virtio device type " + s.deviceType()
                    + ", this device is type " + deviceType());
        }
        if (s.queues().size() != queues.length) {
            throw StateReader.badState(id + ": saved state has " + s.queues().size() + " queues, this device has " + queues.length);
        }
        reset();
        quiesced = true;
        status = s.status();
        driverFeatures = s.driverFeatures();
        deviceFeaturesSel = s.deviceFeaturesSel();
        driverFeaturesSel = s.driverFeaturesSel();
        queueSel = s.queueSel();
        interruptStatus = s.interruptStatus();
        for (int i = 0; i < queues.length; i++) {
            try {
                queues[i].restore(s.queues().get(i));
            } catch (VirtqueueException e) {
                throw StateReader.badState(id + ": saved queue " + i + " is unusable: " + e.getMessage());
            }
        }
    }

    private static long low(long current, int value) {
        return (current & 0xffffffff00000000L) | (value & 0xffffffffL);
    }

    private static long high(long current, int value) {
        return (current & 0xffffffffL) | ((long) value << 32);
    }
}
