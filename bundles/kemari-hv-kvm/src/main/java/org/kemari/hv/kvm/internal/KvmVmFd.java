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
    /** Device threads raise interrupts concurrently: a buffer each. */
    private final ThreadLocal<Memory> irqLevel = ThreadLocal.withInitial(() -> new Memory(KvmLayout.IRQ_LEVEL_SIZE));
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

    // ---- in-kernel platform devices (Linux guests)

    /** KVM_CREATE_IRQCHIP: the PIC pair and IOAPIC in the kernel (with a LAPIC per vCPU); before vCPUs exist. */
    void createIrqchip() throws HypervisorException {
        Errno.check(LibC.ioctl(fd, KvmConstants.KVM_CREATE_IRQCHIP, 0), "KVM_CREATE_IRQCHIP");
    }

    /** KVM_CREATE_PIT2 with the PC speaker port answered too (Linux pokes port 0x61). */
    void createPit() throws HypervisorException {
        Memory config = new Memory(KvmLayout.PIT_CONFIG_SIZE);
        config.clear();
        config.setInt(0, KvmConstants.KVM_PIT_SPEAKER_DUMMY);
        Errno.check(LibC.ioctl(fd, KvmConstants.KVM_CREATE_PIT2, Pointer.nativeValue(config)), "KVM_CREATE_PIT2");
    }

    void setIdentityMapAddr(long gpa) throws HypervisorException {
        Memory addr = new Memory(8);
        addr.setLong(0, gpa);
        Errno.check(LibC.ioctl(fd, KvmConstants.KVM_SET_IDENTITY_MAP_ADDR, Pointer.nativeValue(addr)), "KVM_SET_IDENTITY_MAP_ADDR");
    }

    /** KVM_IRQ_LINE: drives interrupt line {@code gsi} (PIC and IOAPIC pin) to {@code level}; any thread. */
    void irqLine(int gsi, boolean level) throws HypervisorException {
        Memory buf = irqLevel.get();
        buf.setInt(0, gsi);
        buf.setInt(4, level ? 1 : 0);
        Errno.check(LibC.ioctl(fd, KvmConstants.KVM_IRQ_LINE, Pointer.nativeValue(buf)), "KVM_IRQ_LINE(" + gsi + ")");
    }

    /** The state of one in-kernel interrupt controller ({@code KVM_IRQCHIP_*}): its 512-byte union. */
    byte[] getIrqchip(int chip) throws HypervisorException {
        Memory buf = new Memory(KvmLayout.IRQCHIP_SIZE);
        buf.clear();
        buf.setInt(0, chip);
        Errno.check(LibC.ioctl(fd, KvmConstants.KVM_GET_IRQCHIP, Pointer.nativeValue(buf)), "KVM_GET_IRQCHIP(" + chip + ")");
        return buf.getByteArray(KvmLayout.IRQCHIP_DATA, KvmLayout.IRQCHIP_DATA_SIZE);
    }

    void setIrqchip(int chip, byte[] data) throws HypervisorException {
        Memory buf = new Memory(KvmLayout.IRQCHIP_SIZE);
        buf.clear();
        buf.setInt(0, chip);
        buf.write(KvmLayout.IRQCHIP_DATA, data, 0, KvmLayout.IRQCHIP_DATA_SIZE);
        Errno.check(LibC.ioctl(fd, KvmConstants.KVM_SET_IRQCHIP, Pointer.nativeValue(buf)), "KVM_SET_IRQCHIP(" + chip + ")");
    }

    /** A whole-struct VM ioctl that reads {@code size} bytes (PIT state, clock). */
    byte[] get(long request, int size, String name) throws HypervisorException {
        Memory buf = new Memory(size);
        buf.clear();
        Errno.check(LibC.ioctl(fd, request, Pointer.nativeValue(buf)), name);
        return buf.getByteArray(0, size);
    }

    void set(long request, byte[] bytes, String name) throws HypervisorException {
        Memory buf = new Memory(bytes.length);
        buf.write(0, bytes, 0, bytes.length);
        Errno.check(LibC.ioctl(fd, request, Pointer.nativeValue(buf)), name);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.close(fd);
        }
    }
}
