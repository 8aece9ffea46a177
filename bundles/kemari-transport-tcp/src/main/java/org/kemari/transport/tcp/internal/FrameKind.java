package org.kemari.transport.tcp.internal;

/** What a frame carries. Code 0 is reserved as invalid so that a zeroed header never parses. */
enum FrameKind {
    /** A message for {@code receive()}. */
    DATA(1),
    /** Liveness only; never delivered. Payload must be empty. */
    HEARTBEAT(2),
    /** The peer closes the link in an orderly way. Payload must be empty. */
    CLOSE(3);

    final byte code;

    FrameKind(int code) {
        this.code = (byte) code;
    }

    /** The kind for a wire code, or null if unknown. */
    static FrameKind of(byte code) {
        for (FrameKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        return null;
    }
}
