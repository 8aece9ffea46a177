package org.kemari.api.hv;

import java.util.Objects;

/**
 * A hypervisor operation failed. The {@link Reason} tells the caller what kind of failure it is
 * (so the engine can decide between retrying, failing the VM and reporting to the operator); the
 * message explains it to a person; the cause, when there is one, is the underlying error.
 */
public class HypervisorException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What kind of failure this is. */
    public enum Reason {
        /** The backend cannot run on this host (no device, no library, missing capability). */
        UNAVAILABLE,
        /** The request itself is wrong (bad image, bad memory size, unknown device). */
        INVALID_REQUEST,
        /** The backend does not support this operation. */
        UNSUPPORTED,
        /** The VM is not in a state that allows the operation (e.g. capture while running). */
        WRONG_STATE,
        /** The guest failed (triple fault, internal error, emulation failure, guest panic). */
        GUEST_FAILED,
        /** Saved state is unreadable: bad version, bad checksum, or for a different backend. */
        BAD_STATE,
        /** A host call failed (ioctl, mmap, I/O). */
        HOST_ERROR
    }

    private final Reason reason;

    public HypervisorException(Reason reason, String message) {
        this(reason, message, null);
    }

    public HypervisorException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
