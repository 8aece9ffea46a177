package org.kemari.hv.xen.internal;

import com.sun.jna.LastErrorException;

/** Turns an errno into the C library's text ("No such file or directory (ENOENT)"). */
final class Errno {
    static final int ENOENT = 2;

    private Errno() {
    }

    static String describe(int errno) {
        // LastErrorException formats the message with strerror for us.
        String text = new LastErrorException(errno).getMessage();
        return text + (errno == ENOENT ? " (ENOENT)" : "");
    }
}
