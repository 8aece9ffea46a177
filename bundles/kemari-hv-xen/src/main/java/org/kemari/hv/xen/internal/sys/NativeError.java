package org.kemari.hv.xen.internal.sys;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;

import com.sun.jna.Native;

/** Turns the errno of a failed Xen library call into a {@link HypervisorException} naming the call. */
public final class NativeError {
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EACCES = 13;
    public static final int EOPNOTSUPP = 95;

    private NativeError() {
    }

    /** "No such file or directory (errno 2)". */
    public static String describe(int errno) {
        if (errno == 0) {
            return "no errno set";
        }
        return strerror(errno) + " (errno " + errno + ")";
    }

    private static String strerror(int errno) {
        try {
            return NativeLibraries.libc().strerror(errno);
        } catch (RuntimeException | LinkageError e) {
            return "error";
        }
    }


    /** The exception for {@code call} having failed with the calling thread's current errno. */
    public static HypervisorException failed(String call) {
        return failed(call, Native.getLastError());
    }

    public static HypervisorException failed(String call, int errno) {
        Reason reason = switch (errno) {
            case ESRCH -> Reason.INVALID_REQUEST;   // no such domain
            case EOPNOTSUPP -> Reason.UNSUPPORTED;  // e.g. log-dirty on a PV guest (no shadow paging)
            default -> Reason.HOST_ERROR;
        };
        return new HypervisorException(reason, call + " failed: " + describe(errno));
    }
}
