package org.kemari.api.management;

import java.util.Objects;

import org.kemari.api.management.ProtectionStatus.Role;

/**
 * Counters and distributions of one protection relationship since it started, as seen from this
 * node. On the primary every field is kept; on the standby, {@code epochs} counts epochs committed,
 * {@code bytes} the stream bytes received and {@code failovers} whether it took the VM over; the
 * distributions and output counters stay empty there.
 *
 * @param vmName the VM
 * @param role this node's role for it
 * @param epochs epochs captured (primary) or committed (standby)
 * @param bytes stream bytes sent to the standby (primary) or received from the primary (standby)
 * @param outputsHeld outputs (disk writes, network frames, console lines) the gate held
 * @param outputsReleased held outputs released after their epoch was acknowledged (or when
 *     protection ended with the VM running on)
 * @param failovers takeovers of this VM by this node (standby: 0 or 1)
 * @param pauseMicros the guest's pause per epoch, in microseconds
 * @param ackLatencyMicros from the guest's resume after a capture to the standby's acknowledgement
 *     of that epoch, in microseconds: how long the epoch's outputs were held at least
 * @param epochBytes bytes of memory pages, device state and disk writes per epoch
 * @param outputHoldMicros per epoch, how long its oldest output was held before it was released,
 *     in microseconds
 * @since 1.2
 */
public record ProtectionMetrics(String vmName, Role role, long epochs, long bytes, long outputsHeld, long outputsReleased,
                                long failovers, Distribution pauseMicros, Distribution ackLatencyMicros,
                                Distribution epochBytes, Distribution outputHoldMicros) {

    public ProtectionMetrics {
        Objects.requireNonNull(vmName, "vmName");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(pauseMicros, "pauseMicros");
        Objects.requireNonNull(ackLatencyMicros, "ackLatencyMicros");
        Objects.requireNonNull(epochBytes, "epochBytes");
        Objects.requireNonNull(outputHoldMicros, "outputHoldMicros");
    }
}
