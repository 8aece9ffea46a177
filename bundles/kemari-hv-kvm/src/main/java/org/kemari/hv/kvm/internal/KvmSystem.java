package org.kemari.hv.kvm.internal;

import com.sun.jna.Memory;

import org.kemari.api.hv.HypervisorException;
import org.kemari.hv.kvm.internal.sys.KvmConstants;
import org.kemari.hv.kvm.internal.sys.KvmLayout;
import org.kemari.hv.kvm.internal.sys.LibC;

/** The open {@code /dev/kvm} file: system-wide ioctls (version, capabilities, CPUID, MSR list, VM creation). */
final class KvmSystem implements AutoCloseable {
    /** The usual device node; tests may point a backend elsewhere. */
    static final String DEFAULT_DEVICE = "/dev/kvm";

    private final String path;
    private int fd;

    private KvmSystem(String path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /**
     * Opens the KVM device.
     *
     * @throws HypervisorException UNAVAILABLE with the errno text (e.g. "/dev/kvm: Permission denied (errno 13)")
     */
    static KvmSystem open(String path) throws HypervisorException {
        int fd = LibC.open(path, LibC.O_RDWR | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw new HypervisorException(HypervisorException.Reason.UNAVAILABLE,
                    path + ": " + Errno.describe(Errno.last()));
        }
        return new KvmSystem(path, fd);
    }

    String path() {
        return path;
    }

    int apiVersion() throws HypervisorException {
        return Errno.check(LibC.ioctl(fd, KvmConstants.KVM_GET_API_VERSION, 0), "KVM_GET_API_VERSION");
    }

    /** 0 if the capability is absent, otherwise its (capability-specific) positive value. */
    int checkExtension(int capability) throws HypervisorException {
        return Errno.check(LibC.ioctl(fd, KvmConstants.KVM_CHECK_EXTENSION, capability), "KVM_CHECK_EXTENSION(" + capability + ")");
    }

    int vcpuMmapSize() throws HypervisorException {
        return Errno.check(LibC.ioctl(fd, KvmConstants.KVM_GET_VCPU_MMAP_SIZE, 0), "KVM_GET_VCPU_MMAP_SIZE");
    }

    /** A new VM file descriptor; the caller owns it. */
    int createVmFd() throws HypervisorException {
        return Errno.check(LibC.ioctl(fd, KvmConstants.KVM_CREATE_VM, 0), "KVM_CREATE_VM");
    }

    /** The CPUID entries KVM supports, as a {@link CpuidTable}. */
    CpuidTable supportedCpuid() throws HypervisorException {
        for (int capacity = 128; capacity <= 4096; capacity *= 2) {
            Memory buf = new Memory(KvmLayout.CPUID2_HEADER + (long) capacity * KvmLayout.CPUID_ENTRY_SIZE);
            buf.clear();
            buf.setInt(0, capacity);
            int rc = LibC.ioctl(fd, KvmConstants.KVM_GET_SUPPORTED_CPUID, com.sun.jna.Pointer.nativeValue(buf));
            if (rc < 0) {
                int errno = Errno.last();
                if (errno == LibC.E2BIG) {
                    continue; // table larger than our buffer: retry bigger
                }
                throw Errno.failure("KVM_GET_SUPPORTED_CPUID", errno);
            }
            int n = buf.getInt(0);
            return new CpuidTable(buf.getByteArray(KvmLayout.CPUID2_HEADER, n * KvmLayout.CPUID_ENTRY_SIZE));
        }
        throw new HypervisorException(HypervisorException.Reason.HOST_ERROR, "KVM_GET_SUPPORTED_CPUID: table too large");
    }

    /** Indices of the MSRs KVM can save and restore. */
    int[] msrIndexList() throws HypervisorException {
        Memory probe = new Memory(KvmLayout.MSR_LIST_HEADER);
        probe.setInt(0, 0);
        // First call with nmsrs = 0 fails with E2BIG and reports the count.
        LibC.ioctl(fd, KvmConstants.KVM_GET_MSR_INDEX_LIST, com.sun.jna.Pointer.nativeValue(probe));
        int n = probe.getInt(0);
        Memory buf = new Memory(KvmLayout.MSR_LIST_HEADER + 4L * Math.max(n, 1));
        buf.setInt(0, n);
        Errno.check(LibC.ioctl(fd, KvmConstants.KVM_GET_MSR_INDEX_LIST, com.sun.jna.Pointer.nativeValue(buf)), "KVM_GET_MSR_INDEX_LIST");
        return buf.getIntArray(KvmLayout.MSR_LIST_HEADER, buf.getInt(0));
    }

    @Override
    public void close() {
        if (fd >= 0) {
            LibC.close(fd);
            fd = -1;
        }
    }
}
