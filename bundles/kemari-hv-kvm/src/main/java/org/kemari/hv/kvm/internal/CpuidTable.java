package org.kemari.hv.kvm.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.kemari.hv.kvm.internal.sys.KvmLayout;

/**
 * A table of {@code struct kvm_cpuid_entry2} (40 bytes each) as KVM_GET_SUPPORTED_CPUID returns and
 * KVM_SET_CPUID2 takes. Kept as raw bytes so that a restored VM gets exactly the table the
 * original had, whatever the restoring host supports.
 */
final class CpuidTable {
    private final byte[] entries;

    CpuidTable(byte[] entries) {
        if (entries.length % KvmLayout.CPUID_ENTRY_SIZE != 0) {
            throw new IllegalArgumentException("CPUID table of " + entries.length + " bytes is not a whole number of entries");
        }
        this.entries = entries.clone();
    }

    int size() {
        return entries.length / KvmLayout.CPUID_ENTRY_SIZE;
    }

    byte[] bytes() {
        return entries.clone();
    }

    /** A copy with the initial APIC id (leaf 1 EBX[31:24], leaf 0xB EDX) set for vCPU {@code id}. */
    CpuidTable forVcpu(int id) {
        byte[] copy = entries.clone();
        ByteBuffer b = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < size(); i++) {
            int base = i * KvmLayout.CPUID_ENTRY_SIZE;
            int function = b.getInt(base + KvmLayout.CPUID_FUNCTION);
            if (function == 1) {
                int ebx = b.getInt(base + KvmLayout.CPUID_EBX);
                b.putInt(base + KvmLayout.CPUID_EBX, (ebx & 0x00FFFFFF) | (id << 24));
            } else if (function == 0xB || function == 0x1F) {
                b.putInt(base + KvmLayout.CPUID_EDX, id);
            }
        }
        return new CpuidTable(copy);
    }
}
