package org.kemari.api.management;

import java.util.List;
import java.util.Optional;

import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.HypervisorBackend;
import org.osgi.annotation.versioning.ProviderType;

/** The hypervisor backends installed on this node and the truth about each. */
@ProviderType
public interface BackendRegistry {

    /** Names of the installed backends, sorted. */
    List<String> names();

    /** The backend with this name, if installed (highest ranking wins among equals). */
    Optional<HypervisorBackend> find(String name);

    /** Probes every installed backend now, sorted by name. */
    List<BackendStatus> probeAll();

    /**
     * Probes one backend now.
     *
     * @throws IllegalArgumentException if no backend has that name; the message lists the known ones
     */
    BackendStatus probe(String name);
}
