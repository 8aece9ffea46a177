package org.kemari.hv.kvm.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.kemari.api.hv.DirtyPageSet;
import org.kemari.api.hv.GuestMemory;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.StateRecord;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmListener;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmState;
import org.kemari.api.io.OutputGate;
import org.kemari.hv.kvm.internal.bus.MmioDevice;
import org.kemari.hv.kvm.internal.sys.KvmConstants;
import org.kemari.hv.kvm.internal.virtio.VirtioDevices;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM run by the KVM backend: guest RAM, one thread per vCPU, the virtio devices, dirty
 * tracking and state capture. Built by {@link KvmVmFactory}.
 *
 * <p>When the guest stops or fails its vCPU threads end, but RAM stays readable (for the engine
 * and tests) until {@link #close()} releases everything.
 *
 * <p>A created VM is already running when a caller can add a listener, so {@link #addListener}
 * first replays the console lines seen so far (the last {@value #CONSOLE_HISTORY}); state changes
 * are not replayed: read {@link #state()} after adding a listener.
 */
final class KvmVm implements Vm, VmEvents {
    private static final Logger LOG = LoggerFactory.getLogger(KvmVm.class);
    static final long STOP_TIMEOUT_SECONDS = 10;
    static final int CONSOLE_HISTORY = 256;

    /** Observes REPORT doorbells on the vCPU thread while the guest is stopped at the exit. */
    interface ReportHook {
        void onReport(KvmVm vm, long sequence);
    }

    private final VmSpec spec;
    private final MemoryLayout layout;
    private final KvmVmFd vmFd;
    private final GuestRam ram;
    private final PageBitmap deviceDirty;
    private final PhysicalMemoryView physical;
    private final DirtyTracker dirty;
    private final CpuidTable cpuid;
    private final int[] msrIndices;
    private final List<KvmVcpuFd> vcpus;
    private final RunControl control;
    private final WaitDoorbell doorbell = new WaitDoorbell();
    private final MmioBus mmio;
    private final ConsoleCollector console;
    private final OutputRouting outputs;
    private final List<VcpuRunner> runners = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<VmListener> listeners = new CopyOnWriteArrayList<>();
    private final List<ReportHook> reportHooks = new CopyOnWriteArrayList<>();
    /** Guards the console history and the replay-then-add of listeners, so no line is lost or doubled. */
    private final Object consoleLock = new Object();
    private final java.util.ArrayDeque<String> consoleHistory = new java.util.ArrayDeque<>();
    private VirtioDevices devices;
    /** Set for a Linux guest's machine (irqchip, COM1, interrupt lines); null for the test ABI's. */
    private LinuxMachine linux;
    /** Cached by {@link #machineRecord()}; guarded by lifecycle. */
    private StateRecord machineRecord;
    private List<String> machineRecordIds;

    /** Serialises pause, resume, capture and close (callers serialise them too; this guards close racing them). */
    private final Object lifecycle = new Object();
    private final Object stateLock = new Object();
    private VmState state = VmState.CREATED;
    private String failure;
    private volatile boolean closed;

    KvmVm(VmSpec spec, MemoryLayout layout, KvmVmFd vmFd, GuestRam ram, CpuidTable cpuid, int[] msrIndices,
          List<KvmVcpuFd> vcpus, boolean startPaused) {
        this.spec = spec;
        this.layout = layout;
        this.vmFd = vmFd;
        this.ram = ram;
        this.cpuid = cpuid;
        this.msrIndices = msrIndices.clone();
        this.vcpus = List.copyOf(vcpus);
        this.deviceDirty = new PageBitmap(layout.pageCount());
        this.physical = new PhysicalMemoryView(ram, layout, deviceDirty);
        this.dirty = new DirtyTracker(vmFd, layout, ram.hostAddress(), deviceDirty);
        this.control = new RunControl(vcpus.size(), startPaused);
        this.mmio = new MmioBus(spec.name());
        this.console = new ConsoleCollector(this::consoleLine);
        this.outputs = new OutputRouting(spec.name());
    }

    // ---- construction steps used by KvmVmFactory

    void mapMemory() throws HypervisorException {
        dirty.mapSlots();
    }

    void attachDevices(VirtioDevices devices) {
        this.devices = devices;
        for (MmioDevice d : devices.mmioDevices()) {
            mmio.register(d);
        }
    }

    /** Makes this a Linux guest's machine; before {@link #attachDevices} and {@link #start}. */
    LinuxMachine attachLinux() {
        // Serial console lines are outputs: held with the epoch that wrote them while protected.
        ConsoleCollector serialConsole = new ConsoleCollector(line -> outputs.submit(new ConsoleLineOutput(line, this::consoleLine)));
        linux = new LinuxMachine(spec.name(), vmFd, serialConsole, this);
        return linux;
    }

    LinuxMachine linux() {
        return linux;
    }

    PhysicalMemoryView physicalMemory() {
        return physical;
    }

    WaitDoorbell events() {
        return doorbell;
    }

    OutputRouting outputRouter() {
        return outputs;
    }

    VirtioDevices devices() {
        return devices;
    }

    GuestRam ram() {
        return ram;
    }

    KvmVmFd vmFd() {
        return vmFd;
    }

    MemoryLayout layout() {
        return layout;
    }

    List<KvmVcpuFd> vcpus() {
        return vcpus;
    }

    /** Starts the vCPU threads; with {@code paused} they park before the first entry (state CREATED). */
    void start(boolean paused) {
        IoPorts ports = linux != null ? linux.ports() : new GuestPorts(spec.name(), console, doorbell, control, ram, this);
        for (KvmVcpuFd vcpu : vcpus) {
            VcpuRunner runner = new VcpuRunner(vcpu, control, ports, mmio, this,
                    () -> outputs.gated() && !doorbell.signalled());
            Thread t = new Thread(runner, "kemari-vcpu-" + spec.name() + "-" + vcpu.id());
            t.setDaemon(true); // a wedged vCPU must not keep the JVM alive
            runners.add(runner);
            threads.add(t);
        }
        if (!paused) {
            setState(VmState.RUNNING, "started");
        }
        threads.forEach(Thread::start);
    }

    void addReportHook(ReportHook hook) {
        reportHooks.add(hook);
    }

    // ---- Vm

    @Override
    public VmSpec spec() {
        return spec;
    }

    @Override
    public String backend() {
        return KvmBackend.NAME;
    }

    @Override
    public VmState state() {
        synchronized (stateLock) {
            return state;
        }
    }

    @Override
    public Optional<String> failureReason() {
        synchronized (stateLock) {
            return state == VmState.FAILED ? Optional.ofNullable(failure) : Optional.empty();
        }
    }

    @Override
    public void pause() throws HypervisorException {
        synchronized (lifecycle) {
            VmState s = requireLive("pause");
            if (s == VmState.PAUSED || s == VmState.CREATED) {
                return;
            }
            control.requestPause();
            runners.forEach(VcpuRunner::kick);
            doorbell.wakeAll();
            boolean parked;
            try {
                parked = control.awaitAllParked(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HypervisorException(Reason.HOST_ERROR, "interrupted while pausing VM " + spec.name(), e);
            }
            if (!parked) {
                requireLive("pause");
                throw new HypervisorException(Reason.HOST_ERROR, "vCPUs of VM " + spec.name() + " did not stop within "
                        + STOP_TIMEOUT_SECONDS + " s");
            }
            devices.quiesce();
            setState(VmState.PAUSED, "paused");
        }
    }

    @Override
    public void resume() throws HypervisorException {
        synchronized (lifecycle) {
            VmState s = requireLive("resume");
            if (s == VmState.RUNNING) {
                return;
            }
            devices.unquiesce();
            setState(VmState.RUNNING, "resumed");
            control.resume();
        }
    }

    @Override
    public GuestMemory memory() {
        return ram;
    }

    @Override
    public DirtyPageSet fetchAndClearDirtyPages() throws HypervisorException {
        requireOpen("fetch dirty pages");
        return dirty.fetchAndClear();
    }

    @Override
    public void stopDirtyTracking() throws HypervisorException {
        requireOpen("stop dirty tracking");
        dirty.stop();
    }

    @Override
    public MachineState captureState() throws HypervisorException {
        synchronized (lifecycle) {
            VmState s = requireLive("capture state");
            if (s != VmState.PAUSED && s != VmState.CREATED) {
                throw new HypervisorException(Reason.WRONG_STATE, "capture needs VM " + spec.name() + " paused; it is " + s);
            }
            List<StateRecord> records = new ArrayList<>();
            records.add(machineRecord());
            for (KvmVcpuFd vcpu : vcpus) {
                records.add(VcpuState.capture(vcpu, msrIndices, linux != null));
            }
            if (linux != null) {
                records.addAll(linux.save());
            }
            records.addAll(devices.save());
            return new MachineState(KvmBackend.NAME, records);
        }
    }

    /** The machine record never changes while the VM lives: encode it once, not every epoch. */
    private StateRecord machineRecord() {
        List<String> ids = devices.devices().stream().map(d -> d.id()).toList();
        if (machineRecord == null || !ids.equals(machineRecordIds)) {
            machineRecord = new MachineRecord(layout.ramSize(), vcpus.size(), cpuid, msrIndices, ids, linux != null).toRecord();
            machineRecordIds = ids;
        }
        return machineRecord;
    }

    @Override
    public void setOutputGate(OutputGate gate) {
        outputs.setGate(gate);
    }

    @Override
    public void addListener(VmListener listener) {
        synchronized (consoleLock) {
            for (String line : consoleHistory) {
                try {
                    listener.consoleLine(this, line);
                } catch (RuntimeException e) {
                    LOG.warn("VM {}: listener failed on a console line", spec.name(), e);
                }
            }
            listeners.add(listener);
        }
    }

    @Override
    public void removeListener(VmListener listener) {
        listeners.remove(listener);
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
        }
        control.close();
        runners.forEach(VcpuRunner::kick);
        doorbell.wakeAll();
        boolean ended = true;
        try {
            ended = threads.isEmpty() || control.awaitAllEnded(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ended = false;
        }
        if (devices != null) {
            devices.close();
        }
        console.flush();
        setState(VmState.STOPPED, "closed");
        if (!ended) {
            // Unmapping RAM under a live vCPU thread would crash the JVM: leak instead, loudly.
            LOG.error("VM {}: vCPU threads did not end within {} s; leaking its KVM file descriptors and RAM",
                    spec.name(), STOP_TIMEOUT_SECONDS);
            return;
        }
        vcpus.forEach(KvmVcpuFd::close);
        vmFd.close();
        ram.close();
    }

    /** Releases resources of a VM whose construction failed (no threads were started). */
    static void closeAll(Deque<AutoCloseable> opened) {
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                LOG.warn("cleanup after a failed VM build: {}", e.toString());
            }
        }
    }

    static Deque<AutoCloseable> newCleanupStack() {
        return new ArrayDeque<>();
    }

    // ---- VmEvents (vCPU threads)

    @Override
    public void guestReport(int vcpu, long sequence) {
        for (ReportHook hook : reportHooks) {
            try {
                hook.onReport(this, sequence);
            } catch (RuntimeException e) {
                LOG.warn("VM {}: report hook failed", spec.name(), e);
            }
        }
    }

    @Override
    public void guestStopped(String reason) {
        LOG.info("VM {} stopped: {}", spec.name(), reason);
        setState(VmState.STOPPED, reason);
        endRun();
    }

    @Override
    public void guestFailed(String reason) {
        LOG.warn("VM {} failed: {}", spec.name(), reason);
        setState(VmState.FAILED, reason);
        endRun();
    }

    private void endRun() {
        control.close();
        runners.forEach(VcpuRunner::kick);
        doorbell.wakeAll();
    }

    // ---- helpers

    private void consoleLine(String line) {
        LOG.info("[{}] {}", spec.name(), line);
        synchronized (consoleLock) {
            if (consoleHistory.size() == CONSOLE_HISTORY) {
                consoleHistory.removeFirst();
            }
            consoleHistory.addLast(line);
            for (VmListener l : listeners) {
                try {
                    l.consoleLine(this, line);
                } catch (RuntimeException e) {
                    LOG.warn("VM {}: listener failed on a console line", spec.name(), e);
                }
            }
        }
    }

    private void setState(VmState to, String reason) {
        VmState from;
        synchronized (stateLock) {
            from = state;
            if (from.isTerminal() || from == to) {
                return; // the first terminal state wins
            }
            state = to;
            if (to == VmState.FAILED) {
                failure = reason;
            }
        }
        for (VmListener l : listeners) {
            try {
                l.stateChanged(this, from, to, reason);
            } catch (RuntimeException e) {
                LOG.warn("VM {}: listener failed on a state change", spec.name(), e);
            }
        }
    }

    private VmState requireLive(String operation) throws HypervisorException {
        synchronized (stateLock) {
            if (closed || state.isTerminal()) {
                throw new HypervisorException(Reason.WRONG_STATE, "cannot " + operation + ": VM " + spec.name() + " is "
                        + (closed && !state.isTerminal() ? "closed" : state + (failure != null ? " (" + failure + ")" : "")));
            }
            return state;
        }
    }

    private void requireOpen(String operation) throws HypervisorException {
        synchronized (lifecycle) {
            if (closed) {
                throw new HypervisorException(Reason.WRONG_STATE, "cannot " + operation + ": VM " + spec.name() + " is closed");
            }
        }
    }

    /** Whether this KVM supports what the run loop needs; checked at build time. */
    static void requireCapabilities(KvmSystem kvm) throws HypervisorException {
        int version = kvm.apiVersion();
        if (version != KvmConstants.KVM_API_VERSION) {
            throw new HypervisorException(Reason.UNAVAILABLE, kvm.path() + ": KVM API version " + version + ", need " + KvmConstants.KVM_API_VERSION);
        }
        if (kvm.checkExtension(KvmConstants.KVM_CAP_IMMEDIATE_EXIT) <= 0) {
            throw new HypervisorException(Reason.UNAVAILABLE, kvm.path() + ": KVM_CAP_IMMEDIATE_EXIT is missing");
        }
    }
}
