package org.kemari.api.policy;

import java.util.Objects;

/**
 * A failover policy's answer.
 *
 * @param action what the engine should do
 * @param reason one line for the log and status ("no heartbeat for 612 ms")
 */
public record FailoverDecision(Action action, String reason) {

    /** What the engine should do. */
    public enum Action {
        /** Keep waiting as standby. */
        STAY_STANDBY,
        /** Take over: build the VM from the last committed epoch and run it. */
        TAKE_OVER
    }

    public FailoverDecision {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(reason, "reason");
    }

    public static FailoverDecision stay(String reason) {
        return new FailoverDecision(Action.STAY_STANDBY, reason);
    }

    public static FailoverDecision takeOver(String reason) {
        return new FailoverDecision(Action.TAKE_OVER, reason);
    }
}
