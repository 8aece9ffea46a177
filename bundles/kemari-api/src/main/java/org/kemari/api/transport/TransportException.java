package org.kemari.api.transport;

import java.util.Objects;

/** The replication link failed or could not be established. */
public class TransportException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What kind of failure this is. */
    public enum Reason {
        /** The peer could not be reached (refused, no route, timeout while connecting). */
        UNREACHABLE,
        /** An established link broke (reset, EOF, heartbeat timeout). */
        LINK_LOST,
        /**
         * The link delivered damaged data (a checksum or framing error): the peer is alive, but the
         * stream can no longer be trusted. Unlike {@link #LINK_LOST} this is no sign that the peer died.
         */
        CORRUPTED,
        /** The peer speaks a protocol version or format this side cannot read. */
        INCOMPATIBLE_PEER,
        /** The peer failed authentication. */
        AUTHENTICATION_FAILED,
        /** Local configuration is wrong (bad address, port in use). */
        BAD_CONFIGURATION,
        /** The link was closed locally. */
        CLOSED
    }

    private final Reason reason;

    public TransportException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public TransportException(Reason reason, String message) {
        this(reason, message, null);
    }

    public Reason reason() {
        return reason;
    }
}
