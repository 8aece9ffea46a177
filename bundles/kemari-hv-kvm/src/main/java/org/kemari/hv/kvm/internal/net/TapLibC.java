package org.kemari.hv.kvm.internal.net;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The libc calls a TAP backend needs, mirroring C one-to-one (x86-64 Linux: size_t and ssize_t
 * are 64-bit; ioctl's variadic argument is passed as a pointer). Each call throws
 * {@link LastErrorException} carrying errno on failure.
 */
interface TapLibC extends Library {
    TapLibC INSTANCE = Native.load("c", TapLibC.class);

    int O_RDWR = 0x2;
    int O_CLOEXEC = 0x80000;

    /** _IOW('T', 202, int) from linux/if_tun.h. */
    long TUNSETIFF = 0x400454caL;
    short IFF_TAP = 0x0002;
    short IFF_NO_PI = 0x1000;
    short IFF_MULTI_QUEUE = 0x0100;

    long SIOCGIFFLAGS = 0x8913;
    long SIOCSIFFLAGS = 0x8914;
    short IFF_UP = 0x1;
    int AF_INET = 2;
    int SOCK_DGRAM = 2;

    /** sizeof(struct ifreq); ifr_name[16] at 0, ifr_flags (short) at 16. */
    int IFREQ_SIZE = 40;
    int IFNAMSIZ = 16;

    short POLLIN = 0x1;
    /** sizeof(struct pollfd): int fd, short events, short revents. */
    int POLLFD_SIZE = 8;

    int EINTR = 4;
    int EAGAIN = 11;

    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int ioctl(int fd, long request, Pointer arg) throws LastErrorException;

    long read(int fd, Pointer buf, long count) throws LastErrorException;

    long write(int fd, Pointer buf, long count) throws LastErrorException;

    int poll(Pointer fds, long nfds, int timeoutMillis) throws LastErrorException;

    int socket(int domain, int type, int protocol) throws LastErrorException;
}
