package org.kemari.itests.failover;

/** A Karaf shell command that failed; the message is the node, the command and its one-line error. */
final class ShellCommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ShellCommandException(String message) {
        super(message);
    }

    ShellCommandException(String message, Throwable cause) {
        super(message, cause);
    }
}
