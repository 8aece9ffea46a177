package org.kemari.hv.kvm.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import org.kemari.api.hv.HypervisorException;
import org.kemari.hv.kvm.internal.sys.KvmConstants;
import org.kemari.hv.kvm.internal.sys.KvmLayout;
import org.kemari.hv.kvm.internal.sys.LibC;

/**
 * A KVM vCPU file descriptor and its shared {@code struct kvm_run} mapping. State structs are
 * moved as raw byte arrays of their kernel size (the kernel ABI is stable, so the bytes are what
 * gets saved).
 */
final class KvmVcpuFd implements AutoCloseable {
    private final int id;
    private final int fd;
    private final long runAddress;
    private final long runSize;
    /** kvm_run as a little-endian buffer; absolute accesses only. */
    private final ByteBuffer run;
    private boolean closed;
    /** Reused by state capture: one native struct buffer instead of a malloc per ioctl. */
    private Memory scratch;
    private ByteBuffer scratchView;
    /** KVM stores regs/sregs/events into the run area on every KVM_RUN return (KVM_CAP_SYNC_REGS). */
    private volatile boolean syncRegs;
    /** The run area's synced copies are the vCPU's current state (a KVM_RUN returned, nothing set since). */
    private volatile boolean syncFresh;

    KvmVcpuFd(int id, int fd, int mmapSize) throws HypervisorException {
        this.id = id;
        this.fd = fd;
        long addr = LibC.mmap(0, mmapSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        if (addr == LibC.MAP_FAILED) {
            int errno = Errno.last();
            LibC.close(fd);
            throw Errno.failure("mmap of kvm_run for vCPU " + id, errno);
        }
        this.runAddress = addr;
        this.runSize = mmapSize;
        this.run = new Pointer(addr).getByteBuffer(0, mmapSize).order(ByteOrder.LITTLE_ENDIAN);
    }

    int id() {
        return id;
    }

    /** The kvm_run structure (shared with the kernel). */
    ByteBuffer runArea() {
        return run;
    }

    /**
     * KVM_RUN. Returns 0 after an exit to handle, or -1 with errno (EINTR when a signal or
     * immediate_exit stopped it): not thrown, because EINTR is the normal way to stop a vCPU.
     */
    int run() {
        int rc = LibC.ioctl(fd, KvmConstants.KVM_RUN, 0);
        syncFresh = syncRegs;
        return rc;
    }

    /**
     * Asks KVM to store regs, sregs and events into the run area on every return from KVM_RUN
     * (~0.3 µs an exit), so state capture after a pause needs three ioctls fewer.
     */
    void enableSyncRegs() {
        run.putLong(KvmLayout.RUN_KVM_VALID_REGS, KvmLayout.SYNC_REGS_ALL);
        syncRegs = true;
    }

    /** Whether {@link #getSynced} reflects the vCPU now (call only while the vCPU thread is parked). */
    boolean syncedStateFresh() {
        return syncFresh;
    }

    /** Copies {@code size} bytes of the run area's synced state at {@code runOffset} to {@code dst}. */
    void getSynced(int runOffset, int size, byte[] dst, int offset) {
        run.get(runOffset, dst, offset, size);
    }

    void setImmediateExit(boolean value) {
        run.put(KvmLayout.RUN_IMMEDIATE_EXIT, (byte) (value ? 1 : 0));
    }

    int exitReason() {
        return run.getInt(KvmLayout.RUN_EXIT_REASON);
    }

    byte[] get(long request, int size, String name) throws HypervisorException {
        Memory buf = new Memory(size);
        buf.clear();
        Errno.check(LibC.ioctl(fd, request, Pointer.nativeValue(buf)), name);
        return buf.getByteArray(0, size);
    }

    /**
     * A get-state ioctl into the reused scratch buffer, the struct's bytes copied to
     * {@code dst[offset..offset+size)}: no native allocation per call (state capture's hot path).
     */
    synchronized void getInto(long request, int size, String name, byte[] dst, int offset) throws HypervisorException {
        ByteBuffer view = scratch(size);
        Errno.check(LibC.ioctl(fd, request, Pointer.nativeValue(scratch)), name);
        view.get(0, dst, offset, size);
    }

    /** {@link #getMsrs} through the scratch buffer; returns how many KVM read (values in order). */
    synchronized int getMsrsInto(int[] indices, long[] values) throws HypervisorException {
        ByteBuffer view = scratch(KvmLayout.MSRS_HEADER + Math.max(1, indices.length) * KvmLayout.MSR_ENTRY_SIZE);
        view.putInt(0, indices.length).putInt(4, 0);
        for (int i = 0; i < indices.length; i++) {
            int at = KvmLayout.MSRS_HEADER + i * KvmLayout.MSR_ENTRY_SIZE;
            view.putInt(at, indices[i]).putInt(at + 4, 0).putLong(at + 8, 0);
        }
        int n = Errno.check(LibC.ioctl(fd, KvmConstants.KVM_GET_MSRS, Pointer.nativeValue(scratch)), "KVM_GET_MSRS");
        for (int i = 0; i < n; i++) {
            values[i] = view.getLong(KvmLayout.MSRS_HEADER + i * KvmLayout.MSR_ENTRY_SIZE + 8);
        }
        return n;
    }

    private ByteBuffer scratch(int size) {
        if (scratch == null || scratch.size() < size) {
            scratch = new Memory(Math.max(KvmLayout.XSAVE_SIZE, size));
            scratchView = scratch.getByteBuffer(0, scratch.size()).order(ByteOrder.LITTLE_ENDIAN);
        }
        return scratchView;
    }

    void set(long request, byte[] bytes, int size, String name) throws HypervisorException {
        syncFresh = false; // the run area's copies no longer match
        if (bytes.length != size) {
            throw new HypervisorException(HypervisorException.Reason.BAD_STATE, name + ": expected " + size + " bytes, got " + bytes.length);
        }
        Memory buf = new Memory(size);
        buf.write(0, bytes, 0, size);
        Errno.check(LibC.ioctl(fd, request, Pointer.nativeValue(buf)), name);
    }

    byte[] getRegs() throws HypervisorException {
        return get(KvmConstants.KVM_GET_REGS, KvmLayout.REGS_SIZE, "KVM_GET_REGS");
    }

    void setRegs(byte[] regs) throws HypervisorException {
        set(KvmConstants.KVM_SET_REGS, regs, KvmLayout.REGS_SIZE, "KVM_SET_REGS");
    }

    byte[] getSregs() throws HypervisorException {
        return get(KvmConstants.KVM_GET_SREGS, KvmLayout.SREGS_SIZE, "KVM_GET_SREGS");
    }

    void setSregs(byte[] sregs) throws HypervisorException {
        set(KvmConstants.KVM_SET_SREGS, sregs, KvmLayout.SREGS_SIZE, "KVM_SET_SREGS");
    }

    /** The vCPU's TSC frequency in kHz (KVM_GET_TSC_KHZ), or 0 if KVM does not say. */
    int tscKhz() {
        int khz = LibC.ioctl(fd, KvmConstants.KVM_GET_TSC_KHZ, 0);
        return Math.max(khz, 0);
    }

    /** RIP, for failure messages. */
    long rip() {
        try {
            return ByteBuffer.wrap(getRegs()).order(ByteOrder.LITTLE_ENDIAN).getLong(KvmLayout.REGS_RIP);
        } catch (HypervisorException e) {
            return -1;
        }
    }

    /**
     * Whether the vCPU is in its power-on/INIT state: CS selector 0xF000 with base 0xFFFF0000 and
     * RIP 0xFFF0 (the reset vector). Only a reset gives CS that base with that selector (a far
     * jump in real mode to 0xF000 gives base 0xF0000). KVM on AMD (SVM) INITs the vCPU when it
     * intercepts a shutdown (triple fault), because the VMCB is undefined after one: then the
     * faulting RIP is gone.
     */
    boolean inResetState() {
        try {
            ByteBuffer regs = ByteBuffer.wrap(getRegs()).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer sregs = ByteBuffer.wrap(getSregs()).order(ByteOrder.LITTLE_ENDIAN);
            return regs.getLong(KvmLayout.REGS_RIP) == 0xFFF0L
                    && sregs.getLong(KvmLayout.SREGS_CS + KvmLayout.SEG_BASE) == 0xFFFF0000L
                    && (sregs.getShort(KvmLayout.SREGS_CS + KvmLayout.SEG_SELECTOR) & 0xFFFF) == 0xF000;
        } catch (HypervisorException e) {
            return false;
        }
    }

    void setCpuid(CpuidTable table) throws HypervisorException {
        byte[] entries = table.bytes();
        Memory buf = new Memory(KvmLayout.CPUID2_HEADER + entries.length);
        buf.clear();
        buf.setInt(0, table.size());
        buf.write(KvmLayout.CPUID2_HEADER, entries, 0, entries.length);
        Errno.check(LibC.ioctl(fd, KvmConstants.KVM_SET_CPUID2, Pointer.nativeValue(buf)), "KVM_SET_CPUID2");
    }

    /**
     * Reads the given MSRs. Returns their values; KVM reads up to the first MSR it cannot read
     * and returns that count, so a short result means the list has an unreadable MSR.
     */
    long[] getMsrs(int[] indices) throws HypervisorException {
        Memory buf = msrBuffer(indices, null);
        int n = Errno.check(LibC.ioctl(fd, KvmConstants.KVM_GET_MSRS, Pointer.nativeValue(buf)), "KVM_GET_MSRS");
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = buf.getLong(KvmLayout.MSRS_HEADER + (long) i * KvmLayout.MSR_ENTRY_SIZE + 8);
        }
        return values;
    }

    /** Writes MSRs; returns how many KVM accepted (it stops at the first it rejects). */
    int setMsrs(int[] indices, long[] values) throws HypervisorException {
        Memory buf = msrBuffer(indices, values);
        return Errno.check(LibC.ioctl(fd, KvmConstants.KVM_SET_MSRS, Pointer.nativeValue(buf)), "KVM_SET_MSRS");
    }

    private static Memory msrBuffer(int[] indices, long[] values) {
        Memory buf = new Memory(KvmLayout.MSRS_HEADER + (long) Math.max(1, indices.length) * KvmLayout.MSR_ENTRY_SIZE);
        buf.clear();
        buf.setInt(0, indices.length);
        for (int i = 0; i < indices.length; i++) {
            long at = KvmLayout.MSRS_HEADER + (long) i * KvmLayout.MSR_ENTRY_SIZE;
            buf.setInt(at, indices[i]);
            if (values != null) {
                buf.setLong(at + 8, values[i]);
            }
        }
        return buf;
    }

    /**
     * KVM_SET_SIGNAL_MASK: the signal mask in force while this vCPU is inside KVM_RUN (a signal
     * unblocked here but blocked in the thread makes KVM_RUN return EINTR without running a handler).
     */
    void setSignalMask(long kernelSigset) throws HypervisorException {
        Memory buf = new Memory(KvmLayout.SIGNAL_MASK_HEADER + LibC.KERNEL_SIGSET_SIZE);
        buf.setInt(0, LibC.KERNEL_SIGSET_SIZE);
        buf.setLong(KvmLayout.SIGNAL_MASK_HEADER, kernelSigset);
        Errno.check(LibC.ioctl(fd, KvmConstants.KVM_SET_SIGNAL_MASK, Pointer.nativeValue(buf)), "KVM_SET_SIGNAL_MASK");
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.munmap(runAddress, runSize);
            LibC.close(fd);
        }
    }
}
