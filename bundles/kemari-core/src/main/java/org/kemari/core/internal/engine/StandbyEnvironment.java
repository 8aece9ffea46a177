package org.kemari.core.internal.engine;

import org.kemari.api.management.BackendRegistry;
import org.kemari.api.management.VmManager;
import org.kemari.api.policy.FailoverPolicy;

/** What a standby session needs from its node, looked up when needed so swaps take effect. */
interface StandbyEnvironment {

    VmManager vmManager();

    BackendRegistry backends();

    /** The failover policy to use now, or null if none is installed. */
    FailoverPolicy failoverPolicy();

    /** Whether another live session of this node already keeps a VM of this name. */
    boolean isStandbyFor(String vmName, StandbySession except);

    /** How long a primary may take to complete its initial copy here before it is refused. */
    default long initialSyncTimeoutMillis() {
        return EngineSettings.defaults().initialSyncTimeoutMillis();
    }

    /** What a peer's VM_SPEC may claim on this node. */
    default StandbyLimits standbyLimits() {
        return StandbyLimits.defaults();
    }

    /** Where this node keeps its copies of replicated disks (see {@link ReplicaDisks}); null: at the primary's paths. */
    default java.nio.file.Path replicatedDiskRoot() {
        return null;
    }
}
