package org.kemari.hv.kvm.internal.nbd;

import java.io.IOException;

/** An NBD connection or request failed; the {@link Reason} tells callers how to report it. */
public final class NbdException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, coarsely. */
    public enum Reason {
        /** Nothing listens there, or the host cannot be reached. */
        UNREACHABLE,
        /** The peer is not an NBD server of a kind this client speaks. */
        NOT_NBD,
        /** The server has no export of that name. */
        UNKNOWN_EXPORT,
        /** The server refused the negotiation for another reason (policy, TLS, ...). */
        REFUSED,
        /** The connection broke (now or earlier); no request can be answered on it any more. */
        CONNECTION_LOST,
        /** The server answered this one request with an error; the connection is still usable. */
        REQUEST_FAILED
    }

    private final Reason reason;

    public NbdException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public NbdException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
