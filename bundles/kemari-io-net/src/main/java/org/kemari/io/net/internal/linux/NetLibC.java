package org.kemari.io.net.internal.linux;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * The glibc socket calls the kernel-side network hold needs (rtnetlink, AF_PACKET), direct-mapped.
 * None throws: a failing call returns -1 and the caller reads errno with {@code Native.getLastError()}.
 */
final class NetLibC {
    static {
        Native.register(NetLibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    static final int AF_NETLINK = 16;
    static final int AF_PACKET = 17;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int NETLINK_ROUTE = 0;
    static final int SOL_SOCKET = 1;
    static final int SO_RCVTIMEO = 20;

    private NetLibC() {
    }

    static native int socket(int domain, int type, int protocol);

    static native int bind(int fd, byte[] addr, int addrLen);

    static native long send(int fd, byte[] buf, long len, int flags);

    static native long recv(int fd, byte[] buf, long len, int flags);

    static native long recvfrom(int fd, byte[] buf, long len, int flags, byte[] from, int[] fromLen);

    static native int setsockopt(int fd, int level, int name, byte[] value, int len);

    static native int close(int fd);

    static native int if_nametoindex(String name);

    static native String strerror(int errnum);

    /** {@code strerror} of the calling thread's errno, with its number. */
    static String lastError() {
        int errno = Native.getLastError();
        return strerror(errno) + " (errno " + errno + ")";
    }
}
