package org.kemari.hv.kvm.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import org.kemari.api.hv.HypervisorException;
import org.kemari.hv.kvm.internal.sys.KvmConstants;
import org.kemari.hv.kvm.internal.sys.KvmLayout;
import org.kemari.hv.kvm.internal.sys.LibC;

/** A KVM VM file descriptor: memory slots, dirty log, vCPU creation. */
final class KvmVmFd implements AutoCloseable {
    private final int fd;
    private final Memory region = new Memory(KvmLayout.MEMREGION_SIZE);
    private final Memory dirtyLog = new Memory(KvmLayout.DIRTY_LOG_SIZE);
    private boolean closed;

    KvmVmFd(int fd) {
        this.fd = fd;
    }

    /** Maps {@code size} bytes at host address {@code hostAddr} as guest-physical {@code gpa} (KVM_SET_USER_MEMORY_REGION). */
    synchronized void setMemoryRegion(int slot, int flags, long gpa, long size, long hostAddr) throws HypervisorException {
        region.clear();
        region.setInt(KvmLayout.MEMREGION_SLOT, slot);
        region.setInt(KvmLayout.MEMREGION_FLAGS, flags);
        region.setLong(KvmLayout.MEMREGION_GPA, gpa);
        region.setLong(KvmLayout.MEMREGION_SIZE_FIELD, size);
        region.setLong(KvmLayout.MEMREGION_USERSPACE_ADDR, hostAddr);
        Errno.check(LibC.ioctl(fd, KvmConstants.KVM_SET_USER_MEMORY_REGION, Pointer.nativeValue(region)),
                "KVM_SET_USER_MEMORY_REGION(slot " + slot + ", flags " + flags + ")");
    }

    /**
     * Copies slot {@code slot}'s dirty bitmap (one bit per page, u64 words) into {@code bitmap} and
     * clears the log (KVM_GET_DIRTY_LOG without manual-protect does both).
     */
    synchronized void getDirtyLog(int slot, Memory bitmap) throws HypervisorException {
        dirtyLog.clear();
        dirtyLog.setInt(KvmLayout.DIRTY_LOG_SLOT, slot);
        dirtyLog.setLong(KvmLayout.DIRTY_LOG_BITMAP, Pointer.nativeValue(bitmap));
        Errno.check(LibC.ioctl(fd, KvmConstants.KVM_GET_DIRTY_LOG, Pointer.nativeValue(dirtyLog)), "KVM_GET_DIRTY_LOG(slot " + slot + ")");
    }

    void setTssAddr(long gpa) throws HypervisorException {
        Errno.check(LibC.ioctl(fd, KvmConstants.KVM_SET_TSS_ADDR, gpa), "KVM_SET_TSS_ADDR");
    }

    int createVcpuFd(int id) throws HypervisorException {
        return Errno.check(LibC.ioctl(fd, KvmConstants.KVM_CREATE_VCPU, id), "KVM_CREATE_VCPU(" + id + ")");
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.close(fd);
        }
    }
}
