package org.kemari.hv.kvm.internal.sys;

/**
 * Sizes and field offsets of the {@code <linux/kvm.h>} structs (x86-64) the backend reads or
 * writes field by field. Structs it only saves and restores whole (xsave, debugregs, events) are
 * handled as opaque bytes of the given size.
 */
public final class KvmLayout {
    private KvmLayout() {
    }

    // struct kvm_run (mapped from the vCPU fd; 2352 bytes used of the mapping)
    public static final int RUN_REQUEST_INTERRUPT_WINDOW = 0;
    public static final int RUN_IMMEDIATE_EXIT = 1;
    public static final int RUN_EXIT_REASON = 8;
    /** KVM_CAP_SYNC_REGS: which of regs (1), sregs (2), events (4) KVM stores into the run area on every return. */
    public static final int RUN_KVM_VALID_REGS = 288;
    /** struct kvm_sync_regs: regs (144 B), then sregs (312 B), then vcpu events (64 B). */
    public static final int RUN_SYNC_REGS = 304;
    public static final int RUN_SYNC_SREGS = RUN_SYNC_REGS + 144;
    public static final int RUN_SYNC_EVENTS = RUN_SYNC_SREGS + 312;
    public static final long SYNC_REGS_ALL = 7;
    /** Union of exit details starts here. */
    public static final int RUN_EXIT_UNION = 32;
    // io
    public static final int RUN_IO_DIRECTION = 32;
    public static final int RUN_IO_SIZE = 33;
    public static final int RUN_IO_PORT = 34;
    public static final int RUN_IO_COUNT = 36;
    /** Offset of the data, relative to the start of kvm_run. */
    public static final int RUN_IO_DATA_OFFSET = 40;
    // mmio
    public static final int RUN_MMIO_PHYS_ADDR = 32;
    public static final int RUN_MMIO_DATA = 40;
    public static final int RUN_MMIO_LEN = 48;
    public static final int RUN_MMIO_IS_WRITE = 52;
    // fail_entry
    public static final int RUN_FAIL_ENTRY_REASON = 32;
    // internal
    public static final int RUN_INTERNAL_SUBERROR = 32;
    public static final int RUN_INTERNAL_NDATA = 36;
    public static final int RUN_INTERNAL_DATA = 40;
    // system_event
    public static final int RUN_SYSTEM_EVENT_TYPE = 32;

    // struct kvm_regs (144 bytes): rax rbx rcx rdx rsi rdi rsp rbp r8..r15 rip rflags, all u64
    public static final int REGS_SIZE = 144;
    public static final int REGS_RSP = 6 * 8;
    public static final int REGS_RSI = 4 * 8;
    public static final int REGS_RDI = 5 * 8;
    public static final int REGS_RIP = 16 * 8;
    public static final int REGS_RFLAGS = 17 * 8;

    // struct kvm_segment (24 bytes): u64 base, u32 limit, u16 selector, u8 type, present, dpl, db, s, l, g, avl, unusable, padding
    public static final int SEGMENT_SIZE = 24;
    public static final int SEG_BASE = 0;
    public static final int SEG_LIMIT = 8;
    public static final int SEG_SELECTOR = 12;
    public static final int SEG_TYPE = 14;
    public static final int SEG_PRESENT = 15;
    public static final int SEG_DPL = 16;
    public static final int SEG_DB = 17;
    public static final int SEG_S = 18;
    public static final int SEG_L = 19;
    public static final int SEG_G = 20;
    public static final int SEG_AVL = 21;
    public static final int SEG_UNUSABLE = 22;

    // struct kvm_sregs (312 bytes): cs ds es fs gs ss tr ldt (8 segments), gdt idt (16-byte dtables), cr0 cr2 cr3 cr4 cr8 efer apic_base, interrupt_bitmap[4]
    public static final int SREGS_SIZE = 312;
    public static final int SREGS_CS = 0;
    public static final int SREGS_DS = 24;
    public static final int SREGS_ES = 48;
    public static final int SREGS_FS = 72;
    public static final int SREGS_GS = 96;
    public static final int SREGS_SS = 120;
    public static final int SREGS_TR = 144;
    public static final int SREGS_LDT = 168;
    /** struct kvm_dtable: u64 base, u16 limit, u16 padding[3]. */
    public static final int SREGS_GDT = 192;
    public static final int SREGS_IDT = 208;
    public static final int DTABLE_BASE = 0;
    public static final int DTABLE_LIMIT = 8;
    public static final int SREGS_CR0 = 224;
    public static final int SREGS_CR2 = 232;
    public static final int SREGS_CR3 = 240;
    public static final int SREGS_CR4 = 248;
    public static final int SREGS_CR8 = 256;
    public static final int SREGS_EFER = 264;
    public static final int SREGS_APIC_BASE = 272;

    // whole-struct sizes
    public static final int FPU_SIZE = 416;
    public static final int XSAVE_SIZE = 4096;
    public static final int XCRS_SIZE = 392;
    public static final int VCPU_EVENTS_SIZE = 64;
    public static final int MP_STATE_SIZE = 4;
    public static final int DEBUGREGS_SIZE = 128;

    // platform state structs, saved whole
    /** struct kvm_irqchip: u32 chip_id, u32 pad, 512-byte union (PIC or IOAPIC state). */
    public static final int IRQCHIP_SIZE = 520;
    public static final int IRQCHIP_DATA = 8;
    public static final int IRQCHIP_DATA_SIZE = 512;
    /** struct kvm_pit_state2: 3 channels of 24 bytes, u32 flags, u32 reserved[9]. */
    public static final int PIT_STATE2_SIZE = 112;
    /** struct kvm_pit_config: u32 flags, u32 pad[15]. */
    public static final int PIT_CONFIG_SIZE = 64;
    /** struct kvm_clock_data: u64 clock, u32 flags, u32 pad0, u64 realtime, u64 host_tsc, u32 pad[4]. */
    public static final int CLOCK_DATA_SIZE = 48;
    public static final int CLOCK_DATA_FLAGS = 8;
    /** struct kvm_lapic_state: char regs[1024]. */
    public static final int LAPIC_SIZE = 1024;
    /** struct kvm_irq_level: u32 irq, u32 level. */
    public static final int IRQ_LEVEL_SIZE = 8;

    // struct kvm_msrs: u32 nmsrs, u32 pad, then struct kvm_msr_entry {u32 index, u32 reserved, u64 data}
    public static final int MSRS_HEADER = 8;
    public static final int MSR_ENTRY_SIZE = 16;

    // struct kvm_msr_list: u32 nmsrs, then u32 indices
    public static final int MSR_LIST_HEADER = 4;

    // struct kvm_cpuid2: u32 nent, u32 padding, then struct kvm_cpuid_entry2 (40 bytes):
    // u32 function, index, flags, eax, ebx, ecx, edx, padding[3]
    public static final int CPUID2_HEADER = 8;
    public static final int CPUID_ENTRY_SIZE = 40;
    public static final int CPUID_FUNCTION = 0;
    public static final int CPUID_INDEX = 4;
    public static final int CPUID_EAX = 12;
    public static final int CPUID_EBX = 16;
    public static final int CPUID_ECX = 20;
    public static final int CPUID_EDX = 24;

    // struct kvm_userspace_memory_region (32 bytes): u32 slot, u32 flags, u64 guest_phys_addr, u64 memory_size, u64 userspace_addr
    public static final int MEMREGION_SIZE = 32;
    public static final int MEMREGION_SLOT = 0;
    public static final int MEMREGION_FLAGS = 4;
    public static final int MEMREGION_GPA = 8;
    public static final int MEMREGION_SIZE_FIELD = 16;
    public static final int MEMREGION_USERSPACE_ADDR = 24;

    // struct kvm_dirty_log (16 bytes): u32 slot, u32 padding, u64 dirty_bitmap (address)
    public static final int DIRTY_LOG_SIZE = 16;
    public static final int DIRTY_LOG_SLOT = 0;
    public static final int DIRTY_LOG_BITMAP = 8;

    // struct kvm_signal_mask: u32 len, u8 sigset[len]
    public static final int SIGNAL_MASK_HEADER = 4;
}
