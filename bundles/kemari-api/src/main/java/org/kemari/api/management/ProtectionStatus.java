package org.kemari.api.management;

import java.util.Objects;

/**
 * A snapshot of one protection relationship as seen from this node.
 *
 * @param vmName the VM
 * @param role this node's role for it
 * @param state where the relationship stands
 * @param peer the other node ({@code host:port}), or "" if none
 * @param committedEpoch the last epoch the standby has committed (-1 before the first)
 * @param epochs epochs captured (primary) or committed (standby) since protection started
 * @param heldOutputs outputs waiting for an acknowledgement now
 * @param lastPauseMicros the guest pause of the last epoch, in microseconds
 * @param medianPauseMicros the median guest pause since protection started
 * @param checkpointPolicy the checkpoint policy used for the last epoch
 * @param transport the transport in use
 * @param message one line for the operator: what is happening or what went wrong
 */
public record ProtectionStatus(String vmName, Role role, State state, String peer, long committedEpoch,
                               long epochs, int heldOutputs, long lastPauseMicros, long medianPauseMicros,
                               String checkpointPolicy, String transport, String message) {

    /** This node's role. */
    public enum Role {
        /** The VM runs here; its state goes to a standby. */
        PRIMARY,
        /** This node keeps the copy. */
        STANDBY
    }

    /** Where a protection relationship stands. */
    public enum State {
        /** Connecting to the standby and sending the initial copy. */
        SYNCHRONIZING,
        /** Every output is held until the standby has committed the epoch that produced it. */
        PROTECTED,
        /** The standby is lost: the VM runs on without protection; reconnecting. */
        UNPROTECTED,
        /** (Standby) the VM was taken over and runs here now. */
        FAILED_OVER,
        /** (Standby) taking over failed; the committed copy is kept for another attempt (kemari:failover). */
        FAILOVER_FAILED,
        /** Protection ended (unprotect, VM stopped, or the primary ended it). */
        ENDED
    }

    public ProtectionStatus {
        Objects.requireNonNull(vmName, "vmName");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(checkpointPolicy, "checkpointPolicy");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(message, "message");
    }
}
