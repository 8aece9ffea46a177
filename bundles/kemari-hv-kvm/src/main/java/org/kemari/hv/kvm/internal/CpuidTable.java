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
    private static final int HYPERVISOR_BIT = 1 << 31;
    private static final int KVM_FEATURES_LEAF = 0x40000001;
    /** KVM_FEATURE_CLOCKSOURCE, NOP_IO_DELAY, CLOCKSOURCE2, CLOCKSOURCE_STABLE_BIT. */
    private static final int KVM_FEATURES_KEPT = 1 | 1 << 1 | 1 << 3 | 1 << 24;

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

    /**
     * The table a Linux guest gets: the hypervisor bit set (Linux looks for KVM's paravirtual leaves
     * only then), and of KVM's paravirtual features only the clock and the no-op I/O delay, so the
     * guest uses no async page faults, steal time or PV EOI, whose MSRs point into guest memory and
     * would be more state to carry.
     */
    CpuidTable forLinux() {
        return edited((b, base, function) -> {
            if (function == 1) {
                b.putInt(base + KvmLayout.CPUID_ECX, b.getInt(base + KvmLayout.CPUID_ECX) | HYPERVISOR_BIT);
            } else if (function == KVM_FEATURES_LEAF) {
                b.putInt(base + KvmLayout.CPUID_EAX, b.getInt(base + KvmLayout.CPUID_EAX) & KVM_FEATURES_KEPT);
            }
        });
    }

    /** A copy with the initial APIC id (leaf 1 EBX[31:24], leaf 0xB EDX) set for vCPU {@code id}. */
    CpuidTable forVcpu(int id) {
        return edited((b, base, function) -> {
            if (function == 1) {
                int ebx = b.getInt(base + KvmLayout.CPUID_EBX);
                b.putInt(base + KvmLayout.CPUID_EBX, (ebx & 0x00FFFFFF) | (id << 24));
            } else if (function == 0xB || function == 0x1F) {
                b.putInt(base + KvmLayout.CPUID_EDX, id);
            }
        });
    }

    /** Changes one entry in place: {@code base} is its offset in {@code b}. */
    private interface EntryEdit {
        void apply(ByteBuffer b, int base, int function);
    }

    private CpuidTable edited(EntryEdit edit) {
        byte[] copy = entries.clone();
        ByteBuffer b = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < size(); i++) {
            int base = i * KvmLayout.CPUID_ENTRY_SIZE;
            edit.apply(b, base, b.getInt(base + KvmLayout.CPUID_FUNCTION));
        }
        return new CpuidTable(copy);
    }
}
