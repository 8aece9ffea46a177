package org.kemari.hv.kvm.internal;

import com.sun.jna.Native;

import org.kemari.api.hv.HypervisorException;
import org.kemari.hv.kvm.internal.sys.LibC;

/** Turns errno values from failed native calls into readable text and exceptions. */
final class Errno {
    private Errno() {
    }

    /** errno of the last native call on this thread. */
    static int last() {
        return Native.getLastError();
    }

    /** "Permission denied (errno 13)". */
    static String describe(int errno) {
        String text;
        try {
            text = LibC.strerror(errno);
        } catch (RuntimeException | LinkageError e) {
            text = null;
        }
        return (text == null || text.isEmpty() ? "error" : text) + " (errno " + errno + ")";
    }

    /** Returns {@code rc} if it is not negative, else throws HOST_ERROR naming the call and errno. */
    static int check(int rc, String call) throws HypervisorException {
        if (rc < 0) {
            throw failure(call, last());
        }
        return rc;
    }

    static HypervisorException failure(String call, int errno) {
        return new HypervisorException(HypervisorException.Reason.HOST_ERROR, call + " failed: " + describe(errno));
    }
}
