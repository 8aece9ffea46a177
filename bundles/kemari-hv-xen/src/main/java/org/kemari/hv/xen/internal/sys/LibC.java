package org.kemari.hv.xen.internal.sys;

import com.sun.jna.Library;
import com.sun.jna.Pointer;

/**
 * Raw binding of the few libc calls that give libxenguest a file descriptor to stream through, and
 * that connect dom0's NBD devices to the disks Kemari serves.
 */
public interface LibC extends Library {
    int AF_UNIX = 1;
    int SOCK_STREAM = 1;

    /** {@code int socketpair(int domain, int type, int protocol, int sv[2])}. */
    int socketpair(int domain, int type, int protocol, int[] sv);

    /** {@code int pipe(int pipefd[2])}. */
    int pipe(int[] fds);

    /** {@code ssize_t read(int fd, void *buf, size_t count)}. */
    long read(int fd, byte[] buf, long count);

    /** {@code ssize_t write(int fd, const void *buf, size_t count)}. */
    long write(int fd, byte[] buf, long count);

    /** {@code ssize_t read(int fd, void *buf, size_t count)} into native memory. */
    long read(int fd, Pointer buf, long count);

    /** {@code ssize_t write(int fd, const void *buf, size_t count)} from native memory. */
    long write(int fd, Pointer buf, long count);

    int O_RDWR = 2;
    int O_CLOEXEC = 0x80000;
    int EINTR = 4;
    int EBUSY = 16;

    /** {@code int open(const char *path, int flags)}. */
    int open(String path, int flags);

    /** {@code int ioctl(int fd, unsigned long request, unsigned long arg)}: requests that take a number. */
    int ioctl(int fd, long request, long arg);

    /** {@code int shutdown(int sockfd, int how)}. */
    int shutdown(int fd, int how);

    /** {@code char *strerror(int errnum)}. */
    String strerror(int errnum);

    /** {@code FIONREAD}: bytes waiting in a pipe or socket. */
    long FIONREAD = 0x541B;

    /** {@code int ioctl(int fd, unsigned long request, int *arg)}. */
    int ioctl(int fd, long request, int[] arg);

    /** {@code int close(int fd)}. */
    int close(int fd);
}
