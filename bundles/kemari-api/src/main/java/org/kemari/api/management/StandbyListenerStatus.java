package org.kemari.api.management;

import java.util.Objects;

/**
 * Whether this node accepts primaries as a standby right now ({@code standby.listen}).
 *
 * @param state where the listener stands
 * @param address the configured address ({@code host:port}), or "" if this node is no standby
 * @param bound the address actually listened on (the real port when 0 was configured), or ""
 *     while not listening
 * @param message one line for the operator: "listening on …", or why not and that it is retried
 * @param restarts how often the listener stopped and was started again since the node started
 */
public record StandbyListenerStatus(State state, String address, String bound, String message, long restarts) {

    /** Where the standby's listener stands. */
    public enum State {
        /** {@code standby.listen} is empty: this node keeps no copies. */
        DISABLED,
        /** Accepting primaries. */
        LISTENING,
        /** Not accepting primaries (no transport, address unusable, listener failed); retried every second. */
        NOT_LISTENING
    }

    public StandbyListenerStatus {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(bound, "bound");
        Objects.requireNonNull(message, "message");
    }
}
