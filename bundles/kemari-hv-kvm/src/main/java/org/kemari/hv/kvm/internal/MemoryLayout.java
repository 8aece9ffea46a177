package org.kemari.hv.kvm.internal;

/**
 * Where guest RAM sits in the guest-physical address space (docs/specs/guest-abi.md): RAM offset
 * 0..{@link #ramBelow4g()} is GPA 0.. (memory slot 0); the rest, if any, is GPA 4 GiB.. (slot 1).
 * RAM offsets are what the API's {@link org.kemari.api.hv.MemoryImage} uses.
 */
record MemoryLayout(long ramSize) {
    /** End of the low RAM window; 0xC000_0000–4 GiB is the hole with the MMIO window. */
    static final long LOW_RAM_LIMIT = 0xC000_0000L;
    static final long HIGH_RAM_BASE = 0x1_0000_0000L;
    static final int PAGE_SIZE = 4096;
    /** The page tables the ABI reserves hold at most 64 page directories (64 GiB). */
    static final long MAX_RAM = 64L << 30;

    MemoryLayout {
        if (ramSize <= 0 || ramSize % PAGE_SIZE != 0) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4096, got " + ramSize);
        }
        if (ramSize - Math.min(ramSize, LOW_RAM_LIMIT) + HIGH_RAM_BASE > MAX_RAM) {
            throw new IllegalArgumentException("RAM size " + ramSize + " exceeds what the guest ABI maps (RAM must end below 64 GiB)");
        }
    }

    long ramBelow4g() {
        return Math.min(ramSize, LOW_RAM_LIMIT);
    }

    long ramAbove4g() {
        return ramSize - ramBelow4g();
    }

    long pageCount() {
        return ramSize / PAGE_SIZE;
    }

    /** Number of KVM memory slots: 1, or 2 when RAM extends above 4 GiB. */
    int slotCount() {
        return ramAbove4g() > 0 ? 2 : 1;
    }

    long slotGpa(int slot) {
        return slot == 0 ? 0 : HIGH_RAM_BASE;
    }

    long slotRamOffset(int slot) {
        return slot == 0 ? 0 : ramBelow4g();
    }

    long slotSize(int slot) {
        return slot == 0 ? ramBelow4g() : ramAbove4g();
    }

    /** Highest guest-physical address + 1 that holds RAM. */
    long gpaEnd() {
        return ramAbove4g() > 0 ? HIGH_RAM_BASE + ramAbove4g() : ramBelow4g();
    }

    /** The RAM offset of {@code [gpa, gpa+len)}, or -1 if the range is not entirely within one RAM slot. */
    long ramOffset(long gpa, long len) {
        if (gpa < 0 || len < 0) {
            return -1;
        }
        long below = ramBelow4g();
        if (gpa + len <= below) {
            return gpa;
        }
        if (gpa >= HIGH_RAM_BASE && gpa - HIGH_RAM_BASE + len <= ramAbove4g()) {
            return below + (gpa - HIGH_RAM_BASE);
        }
        return -1;
    }

    /** The guest-physical address of a RAM offset. */
    long gpa(long ramOffset) {
        return ramOffset < ramBelow4g() ? ramOffset : HIGH_RAM_BASE + (ramOffset - ramBelow4g());
    }
}
