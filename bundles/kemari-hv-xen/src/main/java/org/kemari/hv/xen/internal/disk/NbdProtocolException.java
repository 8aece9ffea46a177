package org.kemari.hv.xen.internal.disk;

import java.io.IOException;

/** The peer of an NBD connection sent something that is not the protocol: the connection ends. */
final class NbdProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    NbdProtocolException(String message) {
        super(message);
    }
}
