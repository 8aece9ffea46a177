package org.kemari.api.management;

import java.util.List;
import java.util.Optional;

import org.kemari.api.transport.Endpoint;
import org.osgi.annotation.versioning.ProviderType;

/** Protects VMs of this node and keeps standby copies for other nodes. */
@ProviderType
public interface ProtectionManager {

    /**
     * Starts protecting a running VM of this node: connects to the standby, sends the initial
     * copy while the VM runs, and from then on holds every output until the standby has the
     * state that produced it. Returns once the standby has committed the initial copy.
     */
    ProtectionStatus protect(String vmName, Endpoint standby) throws ProtectionException;

    /** Ends protection; held outputs are released and the VM runs on unprotected. */
    void unprotect(String vmName) throws ProtectionException;

    /**
     * (Standby) takes over a VM now from its last committed epoch, as an operator's decision.
     *
     * @throws ProtectionException NOT_PROTECTED if this node is not its standby,
     *     NO_COMMITTED_STATE if no epoch has been committed yet
     */
    ProtectionStatus failover(String vmName) throws ProtectionException;

    Optional<ProtectionStatus> status(String vmName);

    /** Every protection relationship of this node, primary and standby, by VM name. */
    List<ProtectionStatus> list();

    /**
     * Whether this node accepts primaries as a standby now, and if not, why.
     *
     * @since 1.1
     */
    StandbyListenerStatus standbyListener();

    /**
     * Counters and distributions of every protection relationship of this node (as {@link #list()}
     * names them) since each started.
     *
     * @since 1.2
     */
    default List<ProtectionMetrics> metrics() {
        return List.of();
    }

    /**
     * The transport and policies the engine uses now (plugins included).
     *
     * @since 1.2
     */
    default EngineChoices choices() {
        return new EngineChoices("", "", "");
    }
}
