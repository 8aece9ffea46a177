package org.kemari.hv.kvm.internal.sys;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * Raw glibc calls the KVM backend needs, mirroring the C API one-to-one with JNA direct mapping
 * (the run loop calls {@link #ioctl} on every guest exit). Pointers are passed as raw addresses
 * ({@code long}, see {@code Pointer.nativeValue}) so no JNA marshalling happens on hot paths.
 *
 * <p>None of these throw: a failing call returns -1 (or {@link #MAP_FAILED}) and the caller reads
 * errno with {@code Native.getLastError()} right after the call on the same thread.
 * {@code open} and {@code ioctl} are variadic in C; fixed integer mappings are correct on x86-64
 * Linux, where variadic integer arguments travel in the same registers.
 */
public final class LibC {
    static {
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    // open(2) flags
    public static final int O_RDWR = 0x2;
    public static final int O_CLOEXEC = 0x80000;

    // mmap(2)
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final long MAP_FAILED = -1L;

    // madvise(2)
    public static final int MADV_DONTFORK = 10;

    // pthread_sigmask(3) "how"
    public static final int SIG_BLOCK = 0;
    public static final int SIG_UNBLOCK = 1;
    public static final int SIG_SETMASK = 2;

    /** glibc's sigset_t is 1024 bits. */
    public static final int SIGSET_T_SIZE = 128;
    /** The kernel's sigset (what KVM_SET_SIGNAL_MASK takes) is 64 bits on x86-64. */
    public static final int KERNEL_SIGSET_SIZE = 8;
    /** struct timespec {time_t tv_sec; long tv_nsec}. */
    public static final int TIMESPEC_SIZE = 16;
    /** siginfo_t is 128 bytes on Linux. */
    public static final int SIGINFO_T_SIZE = 128;

    // errno values the backend tests for
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int E2BIG = 7;
    public static final int ENXIO = 6;

    private LibC() {
    }

    public static native int open(String path, int flags);

    public static native int close(int fd);

    /** {@code int ioctl(int fd, unsigned long request, ...)} with an integer or address argument. */
    public static native int ioctl(int fd, long request, long arg);

    public static native long mmap(long addr, long length, int prot, int flags, int fd, long offset);

    public static native int munmap(long addr, long length);

    public static native int madvise(long addr, long length, int advice);

    public static native long pthread_self();

    public static native int pthread_kill(long thread, int sig);

    /** Returns an error number (not -1/errno) like all pthread calls. */
    public static native int pthread_sigmask(int how, long set, long oldset);

    public static native int sigtimedwait(long set, long info, long timeout);

    public static native String strerror(int errnum);
}
