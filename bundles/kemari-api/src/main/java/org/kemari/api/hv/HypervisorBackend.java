package org.kemari.api.hv;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A hypervisor the platform can run and protect VMs on, registered as an OSGi service by a
 * backend bundle (e.g. KVM, Xen).
 *
 * <p>The service property {@value #NAME_PROPERTY} carries {@link #name()} so that consumers can
 * select a backend with a target filter such as {@code (kemari.backend=kvm)}.
 */
@ConsumerType
public interface HypervisorBackend {

    /** Service property carrying the backend's name. */
    String NAME_PROPERTY = "kemari.backend";

    /** A short, stable, lower-case name ({@code kvm}, {@code xen}). */
    String name();

    /**
     * Probes the host for real (opens devices, loads libraries, asks for capabilities) and
     * reports whether this backend is usable, with the reason. Never throws: a failed probe is
     * reported as an unusable backend.
     */
    BackendStatus probe();

    /**
     * Creates and boots a new VM as described. The VM is running when this returns.
     *
     * @throws HypervisorException UNAVAILABLE if the backend is not usable here,
     *     INVALID_REQUEST if the spec is wrong (e.g. the image cannot be read)
     */
    Vm create(VmSpec spec) throws HypervisorException;

    /**
     * Builds a VM from a saved machine: memory contents and vCPU/device state, e.g. on the
     * standby at failover. The VM is paused when this returns; {@link Vm#resume()} runs it.
     *
     * @param spec the VM's configuration (memory size, devices and their host-side backends)
     * @param memory the guest's memory contents to start from; the backend may copy or map it
     * @param state the state captured on the primary
     * @throws HypervisorException BAD_STATE if the state was written by another backend or an
     *     unreadable version, INVALID_REQUEST if it does not fit the spec
     */
    Vm restore(VmSpec spec, MemoryImage memory, MachineState state) throws HypervisorException;
}
