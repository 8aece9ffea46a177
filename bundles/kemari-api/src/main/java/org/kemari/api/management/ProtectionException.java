package org.kemari.api.management;

import java.util.Objects;

/** A protection request (protect, unprotect, failover) cannot be carried out. */
public class ProtectionException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why. */
    public enum Reason {
        /** No VM of that name on this node. */
        UNKNOWN_VM,
        /** The VM is already protected (or this node is already its standby). */
        ALREADY_PROTECTED,
        /** The VM is not protected here. */
        NOT_PROTECTED,
        /** The standby could not be reached. */
        STANDBY_UNREACHABLE,
        /** The standby refused (incompatible version, name in use, no usable backend). */
        STANDBY_REFUSED,
        /** The VM cannot be protected (failed, stopped, or its backend cannot capture state). */
        VM_NOT_PROTECTABLE,
        /** A failover was asked for but no epoch has been committed here. */
        NO_COMMITTED_STATE,
        /** No transport or policy service is available. */
        SERVICE_MISSING
    }

    private final Reason reason;

    public ProtectionException(Reason reason, String message) {
        this(reason, message, null);
    }

    public ProtectionException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
