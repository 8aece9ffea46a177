package org.kemari.hv.kvm.internal.sys;

/**
 * Numbers from {@code <linux/kvm.h>} (x86-64): ioctl request codes, capability ids, exit reasons
 * and flags. ioctl codes are {@code _IO*(KVMIO=0xAE, nr, size)}; the comment gives the C macro and
 * the struct size encoded in the code. Values verified on this machine kind (see
 * shared/notes/kvm-facts.md).
 */
public final class KvmConstants {
    private KvmConstants() {
    }

    public static final int KVM_API_VERSION = 12;

    // ---- system ioctls (on the /dev/kvm fd)
    /** _IO(KVMIO, 0x00) */
    public static final long KVM_GET_API_VERSION = 0xAE00L;
    /** _IO(KVMIO, 0x01), arg = machine type (0) */
    public static final long KVM_CREATE_VM = 0xAE01L;
    /** _IOWR(KVMIO, 0x02, struct kvm_msr_list) — 4-byte header {u32 nmsrs} then u32 indices */
    public static final long KVM_GET_MSR_INDEX_LIST = 0xC004AE02L;
    /** _IO(KVMIO, 0x03), arg = capability id; returns 0 (absent) or a positive value */
    public static final long KVM_CHECK_EXTENSION = 0xAE03L;
    /** _IO(KVMIO, 0x04): size of the kvm_run mapping of a vCPU fd */
    public static final long KVM_GET_VCPU_MMAP_SIZE = 0xAE04L;
    /** _IOWR(KVMIO, 0x05, struct kvm_cpuid2) — 8-byte header {u32 nent, u32 pad} */
    public static final long KVM_GET_SUPPORTED_CPUID = 0xC008AE05L;

    // ---- VM ioctls
    /** _IO(KVMIO, 0x41), arg = vCPU id */
    public static final long KVM_CREATE_VCPU = 0xAE41L;
    /** _IOW(KVMIO, 0x42, struct kvm_dirty_log) — 16 bytes */
    public static final long KVM_GET_DIRTY_LOG = 0x4010AE42L;
    /** _IOW(KVMIO, 0x46, struct kvm_userspace_memory_region) — 32 bytes */
    public static final long KVM_SET_USER_MEMORY_REGION = 0x4020AE46L;
    /** _IO(KVMIO, 0x47), arg = guest-physical address of a 3-page TSS area */
    public static final long KVM_SET_TSS_ADDR = 0xAE47L;
    /** _IOW(KVMIO, 0xa3, struct kvm_enable_cap) — 104 bytes */
    public static final long KVM_ENABLE_CAP = 0x4068AEA3L;
    /** _IOWR(KVMIO, 0xc0, struct kvm_clear_dirty_log) — 24 bytes */
    public static final long KVM_CLEAR_DIRTY_LOG = 0xC018AEC0L;

    // ---- vCPU ioctls
    /** _IO(KVMIO, 0x80) */
    public static final long KVM_RUN = 0xAE80L;
    /** _IOR(KVMIO, 0x81, struct kvm_regs) — 144 bytes */
    public static final long KVM_GET_REGS = 0x8090AE81L;
    /** _IOW(KVMIO, 0x82, struct kvm_regs) */
    public static final long KVM_SET_REGS = 0x4090AE82L;
    /** _IOR(KVMIO, 0x83, struct kvm_sregs) — 312 bytes */
    public static final long KVM_GET_SREGS = 0x8138AE83L;
    /** _IO(KVMIO, 0xa3): the vCPU's TSC frequency in kHz, as the return value. */
    public static final long KVM_GET_TSC_KHZ = 0xAEA3L;
    /** _IOW(KVMIO, 0x84, struct kvm_sregs) */
    public static final long KVM_SET_SREGS = 0x4138AE84L;
    /** _IOWR(KVMIO, 0x88, struct kvm_msrs) — 8-byte header {u32 nmsrs, u32 pad}, 16 bytes per entry */
    public static final long KVM_GET_MSRS = 0xC008AE88L;
    /** _IOW(KVMIO, 0x89, struct kvm_msrs); returns the number of MSRs set (stops at the first rejected) */
    public static final long KVM_SET_MSRS = 0x4008AE89L;
    /** _IOW(KVMIO, 0x8b, struct kvm_signal_mask) — 4-byte header {u32 len} then the kernel sigset */
    public static final long KVM_SET_SIGNAL_MASK = 0x4004AE8BL;
    /** _IOW(KVMIO, 0x90, struct kvm_cpuid2) */
    public static final long KVM_SET_CPUID2 = 0x4008AE90L;
    /** _IOR(KVMIO, 0x98, struct kvm_mp_state) — 4 bytes */
    public static final long KVM_GET_MP_STATE = 0x8004AE98L;
    /** _IOW(KVMIO, 0x99, struct kvm_mp_state) */
    public static final long KVM_SET_MP_STATE = 0x4004AE99L;
    /** _IOR(KVMIO, 0x9f, struct kvm_vcpu_events) — 64 bytes */
    public static final long KVM_GET_VCPU_EVENTS = 0x8040AE9FL;
    /** _IOW(KVMIO, 0xa0, struct kvm_vcpu_events) */
    public static final long KVM_SET_VCPU_EVENTS = 0x4040AEA0L;
    /** _IOR(KVMIO, 0xa1, struct kvm_debugregs) — 128 bytes */
    public static final long KVM_GET_DEBUGREGS = 0x8080AEA1L;
    /** _IOW(KVMIO, 0xa2, struct kvm_debugregs) */
    public static final long KVM_SET_DEBUGREGS = 0x4080AEA2L;
    /** _IOR(KVMIO, 0xa4, struct kvm_xsave) — 4096 bytes */
    public static final long KVM_GET_XSAVE = 0x9000AEA4L;
    /** _IOW(KVMIO, 0xa5, struct kvm_xsave) */
    public static final long KVM_SET_XSAVE = 0x5000AEA5L;
    /** _IOR(KVMIO, 0xa6, struct kvm_xcrs) — 392 bytes */
    public static final long KVM_GET_XCRS = 0x8188AEA6L;
    /** _IOW(KVMIO, 0xa7, struct kvm_xcrs) */
    public static final long KVM_SET_XCRS = 0x4188AEA7L;

    // ---- in-kernel platform devices (Linux guests): irqchip, PIT, clock, LAPIC
    /** _IO(KVMIO, 0x60): PIC pair + IOAPIC in the kernel; before any vCPU is created. */
    public static final long KVM_CREATE_IRQCHIP = 0xAE60L;
    /** _IOW(KVMIO, 0x61, struct kvm_irq_level) — 8 bytes */
    public static final long KVM_IRQ_LINE = 0x4008AE61L;
    /** _IOWR(KVMIO, 0x62, struct kvm_irqchip) — 520 bytes */
    public static final long KVM_GET_IRQCHIP = 0xC208AE62L;
    /** _IOR(KVMIO, 0x63, struct kvm_irqchip) (sic: the kernel declares SET as _IOR) */
    public static final long KVM_SET_IRQCHIP = 0x8208AE63L;
    /** _IOW(KVMIO, 0x77, struct kvm_pit_config) — 64 bytes */
    public static final long KVM_CREATE_PIT2 = 0x4040AE77L;
    /** _IOR(KVMIO, 0x9f, struct kvm_pit_state2) — 112 bytes (a VM ioctl; same nr as GET_VCPU_EVENTS) */
    public static final long KVM_GET_PIT2 = 0x8070AE9FL;
    /** _IOW(KVMIO, 0xa0, struct kvm_pit_state2) */
    public static final long KVM_SET_PIT2 = 0x4070AEA0L;
    /** _IOR(KVMIO, 0x7c, struct kvm_clock_data) — 48 bytes */
    public static final long KVM_GET_CLOCK = 0x8030AE7CL;
    /** _IOW(KVMIO, 0x7b, struct kvm_clock_data) */
    public static final long KVM_SET_CLOCK = 0x4030AE7BL;
    /** _IOW(KVMIO, 0x48, __u64): VMX's identity-mapped page table page; before vCPUs. */
    public static final long KVM_SET_IDENTITY_MAP_ADDR = 0x4008AE48L;
    /** _IOR(KVMIO, 0x8e, struct kvm_lapic_state) — 1024 bytes (vCPU ioctl) */
    public static final long KVM_GET_LAPIC = 0x8400AE8EL;
    /** _IOW(KVMIO, 0x8f, struct kvm_lapic_state) */
    public static final long KVM_SET_LAPIC = 0x4400AE8FL;
    public static final int KVM_CAP_IRQCHIP = 0;
    public static final int KVM_CAP_PIT2 = 33;
    public static final int KVM_CAP_ADJUST_CLOCK = 39;
    /** kvm_pit_config.flags: the PIT also answers the PC speaker port 0x61. */
    public static final int KVM_PIT_SPEAKER_DUMMY = 1;
    /** kvm_irqchip.chip_id values. */
    public static final int KVM_IRQCHIP_PIC_MASTER = 0, KVM_IRQCHIP_PIC_SLAVE = 1, KVM_IRQCHIP_IOAPIC = 2;

    // ---- capabilities (KVM_CHECK_EXTENSION)
    public static final int KVM_CAP_USER_MEMORY = 3;
    public static final int KVM_CAP_SET_TSS_ADDR = 4;
    public static final int KVM_CAP_EXT_CPUID = 7;
    public static final int KVM_CAP_NR_VCPUS = 9;
    public static final int KVM_CAP_SYNC_MMU = 16;
    public static final int KVM_CAP_MP_STATE = 14;
    public static final int KVM_CAP_VCPU_EVENTS = 41;
    public static final int KVM_CAP_DEBUGREGS = 50;
    public static final int KVM_CAP_XSAVE = 55;
    public static final int KVM_CAP_XCRS = 56;
    public static final int KVM_CAP_MAX_VCPUS = 66;
    public static final int KVM_CAP_SYNC_REGS = 74;
    public static final int KVM_CAP_IMMEDIATE_EXIT = 136;
    public static final int KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 = 168;
    public static final int KVM_CAP_XSAVE2 = 208;

    // ---- memory region flags
    public static final int KVM_MEM_LOG_DIRTY_PAGES = 1;

    // ---- exit reasons (kvm_run.exit_reason)
    public static final int KVM_EXIT_UNKNOWN = 0;
    public static final int KVM_EXIT_EXCEPTION = 1;
    public static final int KVM_EXIT_IO = 2;
    public static final int KVM_EXIT_HYPERCALL = 3;
    public static final int KVM_EXIT_DEBUG = 4;
    public static final int KVM_EXIT_HLT = 5;
    public static final int KVM_EXIT_MMIO = 6;
    public static final int KVM_EXIT_IRQ_WINDOW_OPEN = 7;
    public static final int KVM_EXIT_SHUTDOWN = 8;
    public static final int KVM_EXIT_FAIL_ENTRY = 9;
    public static final int KVM_EXIT_INTR = 10;
    public static final int KVM_EXIT_INTERNAL_ERROR = 17;
    public static final int KVM_EXIT_SYSTEM_EVENT = 24;

    /** kvm_run.io.direction */
    public static final int KVM_EXIT_IO_IN = 0;
    public static final int KVM_EXIT_IO_OUT = 1;

    /** kvm_run.internal.suberror: KVM could not emulate an instruction. */
    public static final int KVM_INTERNAL_ERROR_EMULATION = 1;
}
