package org.kemari.api.policy;

/**
 * What a standby knows about its primary when it decides whether to take over.
 *
 * @param vmName the protected VM
 * @param linkUp whether the replication link is established
 * @param nanosSinceLastHeartbeat time since anything was last heard from the primary
 * @param committedEpoch the last epoch committed here, -1 if none (no failover is possible then)
 * @param operatorRequested whether an operator asked for a failover
 */
public record HealthView(String vmName, boolean linkUp, long nanosSinceLastHeartbeat,
                         long committedEpoch, boolean operatorRequested) {

    /** Whether the standby holds a complete state it could run from. */
    public boolean hasCommittedState() {
        return committedEpoch >= 0;
    }
}
