package org.kemari.api.io;

import java.util.Objects;

/** A checkpoint device (an I/O interceptor) failed in one of its life-cycle steps. */
public class CheckpointDeviceException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What kind of failure this is. */
    public enum Reason {
        /** Setting up interception failed (e.g. storage unreachable, TAP cannot be opened). */
        SETUP_FAILED,
        /** Releasing held output failed (e.g. the write to shared storage failed). */
        RELEASE_FAILED,
        /** The device's configuration is wrong. */
        BAD_CONFIGURATION
    }

    private final Reason reason;

    public CheckpointDeviceException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public CheckpointDeviceException(Reason reason, String message) {
        this(reason, message, null);
    }

    public Reason reason() {
        return reason;
    }
}
