package org.kemari.hv.xen.internal.sys;

/**
 * Explicit offsets of the HVM context blob that {@code xc_domain_hvm_getcontext} fills: a sequence of
 * {@code struct hvm_save_descriptor} (typecode u16, instance u16, length u32: 8 bytes) each followed by
 * {@code length} bytes; the first is the {@code struct hvm_save_header} (24 bytes), the last has
 * typecode END.
 */
public final class HvmSaveRecord {
    public static final int DESCRIPTOR_SIZE = 8;
    public static final int DESCRIPTOR_TYPECODE = 0;
    public static final int DESCRIPTOR_INSTANCE = 2;
    public static final int DESCRIPTOR_LENGTH = 4;

    public static final int HEADER_SIZE = 24;
    public static final int HEADER_MAGIC = 0;
    public static final int HEADER_VERSION = 4;
    public static final int HEADER_CHANGESET = 8;
    public static final int HEADER_CPUID = 16;
    public static final int HEADER_GTSC_KHZ = 20;

    /** {@code struct hvm_hw_cpu} (typecode CPU): 512 bytes of FPU state, then the GPRs. */
    public static final int CPU_SIZE = 1032;
    public static final int CPU_RIP = 640;

    private HvmSaveRecord() {
    }
}
