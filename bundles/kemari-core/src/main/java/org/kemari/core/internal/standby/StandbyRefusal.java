package org.kemari.core.internal.standby;

import java.util.Objects;

import org.kemari.core.internal.stream.RefuseReason;

/**
 * A stream this standby will not take although it is well-formed: the VM is too large for this
 * node's limits, its name is in use, its backend is missing. Carries the REFUSE reason to send.
 */
public final class StandbyRefusal extends Exception {
    private static final long serialVersionUID = 1L;
    private final RefuseReason reason;

    public StandbyRefusal(RefuseReason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public RefuseReason reason() {
        return reason;
    }
}
