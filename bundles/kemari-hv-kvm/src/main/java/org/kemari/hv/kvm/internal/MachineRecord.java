package org.kemari.hv.kvm.internal;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.StateRecord;

/**
 * The {@value #KIND} record, version {@value #VERSION}: the facts a restoring VMM must rebuild the
 * same machine from — RAM size (hence layout), vCPU count, the exact CPUID table the guest saw,
 * the saved MSR list, the device ids in MMIO slot order, and (since version 2) whether it is a
 * Linux machine: in-kernel irqchip and PIT, COM1, devices on interrupt lines. Version 1 records
 * (test-guest machines) are still read.
 */
record MachineRecord(long ramSize, int vcpus, CpuidTable cpuid, int[] msrIndices, List<String> deviceIds, boolean linux) {
    static final String KIND = "kvm.machine";
    static final String INSTANCE = "machine";
    static final int VERSION = 2;
    /** "KVM1". */
    private static final int MAGIC = 0x4B564D31;

    StateRecord toRecord() {
        byte[] payload = StateCodec.encode(MAGIC, out -> {
            out.writeLong(ramSize);
            out.writeInt(vcpus);
            StateCodec.writeBytes(out, cpuid.bytes());
            out.writeInt(msrIndices.length);
            for (int m : msrIndices) {
                out.writeInt(m);
            }
            out.writeInt(deviceIds.size());
            for (String id : deviceIds) {
                out.writeUTF(id);
            }
            out.writeBoolean(linux);
        });
        return new StateRecord(KIND, INSTANCE, VERSION, payload);
    }

    static MachineRecord from(StateRecord record) throws HypervisorException {
        if (record.version() != 1 && record.version() != VERSION) {
            throw StateCodec.bad(KIND + ": version " + record.version() + " is not supported (this backend reads versions 1 and " + VERSION + ")");
        }
        DataInputStream in = StateCodec.decode(record.payload(), MAGIC, KIND);
        try {
            long ramSize = in.readLong();
            int vcpus = in.readInt();
            CpuidTable cpuid = new CpuidTable(StateCodec.readBytes(in, -1, KIND + " cpuid"));
            int n = in.readInt();
            if (n < 0 || n > 1024) {
                throw StateCodec.bad(KIND + ": bad MSR count " + n);
            }
            int[] msrs = new int[n];
            for (int i = 0; i < n; i++) {
                msrs[i] = in.readInt();
            }
            int d = in.readInt();
            if (d < 0 || d > 64) {
                throw StateCodec.bad(KIND + ": bad device count " + d);
            }
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < d; i++) {
                ids.add(in.readUTF());
            }
            boolean linux = record.version() >= 2 && in.readBoolean();
            return new MachineRecord(ramSize, vcpus, cpuid, msrs, List.copyOf(ids), linux);
        } catch (IOException | IllegalArgumentException e) {
            throw StateCodec.bad(KIND + ": unreadable payload (" + e.getMessage() + ")");
        }
    }
}
