package org.kemari.api.policy;

import java.util.Objects;

/** A policy could not decide (e.g. its witness is unreachable) or is misconfigured. */
public class PolicyException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What kind of failure this is. */
    public enum Reason {
        /** The policy's configuration is wrong. */
        BAD_CONFIGURATION,
        /** Something the policy consults (a quorum, a witness) cannot be reached. */
        DEPENDENCY_UNAVAILABLE
    }

    private final Reason reason;

    public PolicyException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public PolicyException(Reason reason, String message) {
        this(reason, message, null);
    }

    public Reason reason() {
        return reason;
    }
}
