package org.kemari.api.hv;

import java.util.Optional;

import org.kemari.api.io.OutputGate;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A VM run by a {@link HypervisorBackend}. The engine uses it in epochs:
 * {@link #pause()}, {@link #fetchAndClearDirtyPages()}, read the dirty pages from
 * {@link #memory()}, {@link #captureState()}, {@link #resume()}.
 *
 * <p>Thread safety: all methods may be called from any thread; pause/resume/capture calls are
 * serialised by the caller (the engine's epoch loop).
 */
@ConsumerType
public interface Vm extends AutoCloseable {

    /** The spec the VM was created or restored from. */
    VmSpec spec();

    /** The backend's name. */
    String backend();

    VmState state();

    /** Why the VM failed, when its state is {@link VmState#FAILED}. */
    Optional<String> failureReason();

    /**
     * The host kernel interface on which frames that the NIC {@code nicId} transmits appear without
     * passing through the backend (a Xen guest's vif, fed by netback in dom0). Empty when the backend
     * itself submits the NIC's frames to the output gate (KVM's virtio-net), or has no such NIC: the
     * network interceptor then holds the frames it is given; otherwise it holds them in the kernel.
     *
     * @since 1.3
     */
    default Optional<String> nicHostInterface(String nicId) {
        return Optional.empty();
    }

    /**
     * Stops every vCPU at an instruction boundary, with any pending I/O exit completed, and quiesces
     * device models so that memory and state are consistent. Idempotent.
     *
     * @throws HypervisorException WRONG_STATE if the VM has stopped or failed
     */
    void pause() throws HypervisorException;

    /** Runs a paused or freshly restored VM again. */
    void resume() throws HypervisorException;

    /** The guest's RAM. */
    GuestMemory memory();

    /**
     * Starts dirty-page tracking (if not already on) and returns the pages written since the
     * previous call — by the guest (the hypervisor's log) and by device models (DMA into guest
     * memory) — clearing the log. The first call after tracking starts returns every page.
     * Call while paused for a consistent epoch; calling while running is allowed for
     * pre-copy rounds.
     */
    DirtyPageSet fetchAndClearDirtyPages() throws HypervisorException;

    /** Stops dirty-page tracking (when protection ends); the guest no longer pays for it. */
    void stopDirtyTracking() throws HypervisorException;

    /**
     * Captures the vCPU and device state.
     *
     * @throws HypervisorException WRONG_STATE unless the VM is paused
     */
    MachineState captureState() throws HypervisorException;

    /**
     * Routes the VM's externally visible outputs (disk writes, transmitted frames) through
     * {@code gate}, or releases them at once when {@code gate} is null (unprotected). Outputs
     * already held by a previous gate stay with it.
     */
    void setOutputGate(OutputGate gate);

    void addListener(VmListener listener);

    void removeListener(VmListener listener);

    /** Stops the VM and releases its resources. Idempotent; never throws. */
    @Override
    void close();
}
