package org.kemari.transport.tcp.internal;

/** The byte stream from the peer is not a valid frame sequence (corruption or a foreign peer). */
final class FramingException extends Exception {
    private static final long serialVersionUID = 1L;

    FramingException(String message) {
        super(message);
    }
}
