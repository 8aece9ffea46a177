package org.kemari.api.management;

import java.util.List;
import java.util.Optional;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.osgi.annotation.versioning.ProviderType;

/** The VMs running on this node, protected or not. */
@ProviderType
public interface VmManager {

    /**
     * Creates and starts a VM on the named backend.
     *
     * @throws IllegalArgumentException for an unknown backend or a name already in use
     * @throws HypervisorException if the backend cannot run it
     */
    Vm start(String backend, VmSpec spec) throws HypervisorException;

    /** The VM with this name. */
    Optional<Vm> find(String name);

    /** All VMs on this node, by name, stopped and failed ones included until removed. */
    List<Vm> list();

    /**
     * Stops a VM and forgets it.
     *
     * @throws IllegalArgumentException if no VM has that name
     */
    void stop(String name);

    /**
     * Adds an existing VM (e.g. one built by failover) under its spec's name.
     *
     * @throws IllegalArgumentException if the name is in use
     */
    void adopt(Vm vm);
}
