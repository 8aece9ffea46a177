package org.kemari.api.management;

import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

/**
 * JMX view and control of protection, registered as {@value #OBJECT_NAME}. Open types only.
 * Operations throw {@link IllegalArgumentException} or {@link IllegalStateException} with the
 * same one-line message the shell shows.
 */
public interface ProtectionMBean {

    String OBJECT_NAME = "org.kemari:type=Protection";

    /**
     * One row per VM and role: vm, role, state, peer, committedEpoch, epochs, heldOutputs,
     * lastPauseMicros, medianPauseMicros, checkpointPolicy, transport, message.
     */
    TabularData getProtections();

    /**
     * The standby listener in one line: "listening on host:port", "not a standby (…)", or
     * "NOT LISTENING: reason; restarting".
     *
     * @since 1.1
     */
    String getStandbyListener();

    /**
     * Whether this node accepts primaries now ({@code false} also when it is no standby).
     *
     * @since 1.1
     */
    boolean isStandbyListening();

    /**
     * One row per VM and role: vm, role, epochs, bytes, outputsHeld, outputsReleased, failovers,
     * and four distributions (count, p50, p90, p99, max): pauseMicros, ackLatencyMicros,
     * epochBytes, outputHoldMicros. See {@link ProtectionMetrics}.
     *
     * @since 1.2
     */
    TabularData getMetrics();

    /** VMs of this node whose standby is lost: they run without protection right now. */
    String[] getUnprotectedVms();

    /** Protects {@code vm} with the standby at {@code standby} ({@code host:port}). */
    CompositeData protect(String vm, String standby);

    void unprotect(String vm);

    /** On the standby: takes over {@code vm} now. */
    CompositeData failover(String vm);
}
