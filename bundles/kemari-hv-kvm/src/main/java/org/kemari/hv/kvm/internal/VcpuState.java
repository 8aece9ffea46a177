package org.kemari.hv.kvm.internal;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.StateRecord;
import org.kemari.hv.kvm.internal.sys.KvmConstants;
import org.kemari.hv.kvm.internal.sys.KvmLayout;

/**
 * A vCPU's complete state as a {@value #KIND} record, version {@value #VERSION}: regs, sregs,
 * XSAVE area (FPU/SSE/AVX), XCRs, the curated MSRs (with TSC, so the guest's clock continues),
 * pending events, MP state and debug registers, and (for a machine with the in-kernel irqchip)
 * the LAPIC, each as the kernel's struct bytes (an absent LAPIC has length 0). Restored in the
 * order sregs (with the APIC base), regs, XCRs, XSAVE, LAPIC, MSRs (the TSC deadline among the
 * last, after the LAPIC it arms), events, MP state, debug registers.
 */
final class VcpuState {
    static final String KIND = "kvm.vcpu";
    static final int VERSION = 2;
    /** "KVC1". */
    private static final int MAGIC = 0x4B564331;

    private VcpuState() {
    }

    static StateRecord capture(KvmVcpuFd vcpu, int[] msrIndices, boolean lapic) throws HypervisorException {
        // The layout (as StateCodec/DataOutputStream writes it: big-endian ints, length-prefixed
        // structs, CRC32C last), built straight into one array: no per-ioctl buffers or copies.
        int n = msrIndices.length;
        byte[] payload = new byte[payloadSize(n, lapic)];
        ByteBuffer out = ByteBuffer.wrap(payload);
        // Regs, sregs and events come from the run area when KVM synced them on the last KVM_RUN
        // return (the same kernel functions fill both): three ioctls fewer in the pause.
        boolean synced = vcpu.syncedStateFresh();
        out.putInt(MAGIC).putInt(vcpu.id());
        if (synced) {
            synced(vcpu, out, KvmLayout.RUN_SYNC_REGS, KvmLayout.REGS_SIZE);
            synced(vcpu, out, KvmLayout.RUN_SYNC_SREGS, KvmLayout.SREGS_SIZE);
        } else {
            struct(vcpu, out, KvmConstants.KVM_GET_REGS, KvmLayout.REGS_SIZE, "KVM_GET_REGS");
            struct(vcpu, out, KvmConstants.KVM_GET_SREGS, KvmLayout.SREGS_SIZE, "KVM_GET_SREGS");
        }
        struct(vcpu, out, KvmConstants.KVM_GET_XSAVE, KvmLayout.XSAVE_SIZE, "KVM_GET_XSAVE");
        struct(vcpu, out, KvmConstants.KVM_GET_XCRS, KvmLayout.XCRS_SIZE, "KVM_GET_XCRS");
        long[] msrValues = new long[n];
        int read = vcpu.getMsrsInto(msrIndices, msrValues);
        if (read != n) {
            throw new HypervisorException(HypervisorException.Reason.HOST_ERROR, String.format(
                    "KVM_GET_MSRS read %d of %d MSRs (stopped at 0x%x)", read, n, msrIndices[read]));
        }
        out.putInt(n);
        for (int i = 0; i < n; i++) {
            out.putInt(msrIndices[i]).putLong(msrValues[i]);
        }
        if (synced) {
            synced(vcpu, out, KvmLayout.RUN_SYNC_EVENTS, KvmLayout.VCPU_EVENTS_SIZE);
        } else {
            struct(vcpu, out, KvmConstants.KVM_GET_VCPU_EVENTS, KvmLayout.VCPU_EVENTS_SIZE, "KVM_GET_VCPU_EVENTS");
        }
        struct(vcpu, out, KvmConstants.KVM_GET_MP_STATE, KvmLayout.MP_STATE_SIZE, "KVM_GET_MP_STATE");
        struct(vcpu, out, KvmConstants.KVM_GET_DEBUGREGS, KvmLayout.DEBUGREGS_SIZE, "KVM_GET_DEBUGREGS");
        if (lapic) {
            struct(vcpu, out, KvmConstants.KVM_GET_LAPIC, KvmLayout.LAPIC_SIZE, "KVM_GET_LAPIC");
        } else {
            out.putInt(0);
        }
        CRC32C crc = new CRC32C();
        crc.update(payload, 0, out.position());
        out.putInt((int) crc.getValue());
        return new StateRecord(KIND, Integer.toString(vcpu.id()), VERSION, payload);
    }

    private static void synced(KvmVcpuFd vcpu, ByteBuffer out, int runOffset, int size) {
        out.putInt(size);
        vcpu.getSynced(runOffset, size, out.array(), out.position());
        out.position(out.position() + size);
    }

    static int payloadSize(int msrs, boolean lapic) {
        return 4 + (lapic ? KvmLayout.LAPIC_SIZE : 0) + 4 + 4 + 4 + KvmLayout.REGS_SIZE + 4 + KvmLayout.SREGS_SIZE + 4 + KvmLayout.XSAVE_SIZE + 4 + KvmLayout.XCRS_SIZE
                + 4 + msrs * 12 + 4 + KvmLayout.VCPU_EVENTS_SIZE + 4 + KvmLayout.MP_STATE_SIZE + 4 + KvmLayout.DEBUGREGS_SIZE + 4;
    }

    /** A length-prefixed struct, as StateCodec.writeBytes lays it out, read by ioctl into place. */
    private static void struct(KvmVcpuFd vcpu, ByteBuffer out, long request, int size, String name) throws HypervisorException {
        out.putInt(size);
        vcpu.getInto(request, size, name, out.array(), out.position());
        out.position(out.position() + size);
    }

    static void restore(KvmVcpuFd vcpu, StateRecord record, boolean withLapic) throws HypervisorException {
        String what = KIND + " " + record.instance();
        if (record.version() != VERSION) {
            throw StateCodec.bad(what + ": version " + record.version() + " is not supported (this backend reads version " + VERSION + ")");
        }
        DataInputStream in = StateCodec.decode(record.payload(), MAGIC, what);
        try {
            int id = in.readInt();
            if (id != vcpu.id()) {
                throw StateCodec.bad(what + ": payload is for vCPU " + id);
            }
            byte[] regs = StateCodec.readBytes(in, KvmLayout.REGS_SIZE, what + " regs");
            byte[] sregs = StateCodec.readBytes(in, KvmLayout.SREGS_SIZE, what + " sregs");
            byte[] xsave = StateCodec.readBytes(in, KvmLayout.XSAVE_SIZE, what + " xsave");
            byte[] xcrs = StateCodec.readBytes(in, KvmLayout.XCRS_SIZE, what + " xcrs");
            int n = in.readInt();
            if (n < 0 || n > 1024) {
                throw StateCodec.bad(what + ": bad MSR count " + n);
            }
            int[] indices = new int[n];
            long[] values = new long[n];
            for (int i = 0; i < n; i++) {
                indices[i] = in.readInt();
                values[i] = in.readLong();
            }
            byte[] events = StateCodec.readBytes(in, KvmLayout.VCPU_EVENTS_SIZE, what + " events");
            byte[] mpState = StateCodec.readBytes(in, KvmLayout.MP_STATE_SIZE, what + " mp_state");
            byte[] debugRegs = StateCodec.readBytes(in, KvmLayout.DEBUGREGS_SIZE, what + " debugregs");
            byte[] lapic = StateCodec.readBytes(in, -1, what + " lapic");
            if (lapic.length != 0 && lapic.length != KvmLayout.LAPIC_SIZE) {
                throw StateCodec.bad(what + " lapic: " + lapic.length + " bytes, expected 0 or " + KvmLayout.LAPIC_SIZE);
            }
            if ((lapic.length > 0) != withLapic) {
                throw StateCodec.bad(what + (withLapic ? ": has no LAPIC state, but this machine has an in-kernel LAPIC"
                        : ": has LAPIC state, but this machine has no in-kernel irqchip"));
            }

            vcpu.setSregs(sregs);
            vcpu.setRegs(regs);
            vcpu.set(KvmConstants.KVM_SET_XCRS, xcrs, KvmLayout.XCRS_SIZE, "KVM_SET_XCRS");
            vcpu.set(KvmConstants.KVM_SET_XSAVE, xsave, KvmLayout.XSAVE_SIZE, "KVM_SET_XSAVE");
            if (withLapic) {
                vcpu.set(KvmConstants.KVM_SET_LAPIC, lapic, KvmLayout.LAPIC_SIZE, "KVM_SET_LAPIC");
            }
            int set = vcpu.setMsrs(indices, values);
            if (set != n) {
                throw new HypervisorException(HypervisorException.Reason.BAD_STATE, String.format(
                        "%s: KVM_SET_MSRS accepted %d of %d MSRs, rejected 0x%x", what, set, n, indices[set]));
            }
            vcpu.set(KvmConstants.KVM_SET_VCPU_EVENTS, events, KvmLayout.VCPU_EVENTS_SIZE, "KVM_SET_VCPU_EVENTS");
            vcpu.set(KvmConstants.KVM_SET_MP_STATE, mpState, KvmLayout.MP_STATE_SIZE, "KVM_SET_MP_STATE");
            vcpu.set(KvmConstants.KVM_SET_DEBUGREGS, debugRegs, KvmLayout.DEBUGREGS_SIZE, "KVM_SET_DEBUGREGS");
        } catch (IOException e) {
            throw StateCodec.bad(what + ": truncated payload (" + e.getMessage() + ")");
        }
    }
}
