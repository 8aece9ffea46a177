package org.kemari.hv.xen.internal.sys;

/** Constants of the Xen 4.17 public headers the backend uses (checked by the layout test). */
public final class XenConstants {
    // xen/domctl.h: xc_domaininfo_t.flags
    public static final int DOMINF_DYING = 1 << 0;
    public static final int DOMINF_HVM_GUEST = 1 << 1;
    public static final int DOMINF_SHUTDOWN = 1 << 2;
    public static final int DOMINF_PAUSED = 1 << 3;
    public static final int DOMINF_BLOCKED = 1 << 4;
    public static final int DOMINF_RUNNING = 1 << 5;
    public static final int DOMINF_HAP = 1 << 8;
    public static final int DOMINF_SHUTDOWN_SHIFT = 16;
    public static final int DOMINF_SHUTDOWN_MASK = 255;

    // xen/sched.h: shutdown reasons
    public static final int SHUTDOWN_SUSPEND = 2;

    // xen/domctl.h: XEN_DOMCTL_SHADOW_OP_*
    public static final int SHADOW_OP_OFF = 0;
    public static final int SHADOW_OP_ENABLE_LOGDIRTY = 2;
    public static final int SHADOW_OP_CLEAN = 11;
    public static final int SHADOW_OP_PEEK = 12;

    // xen/domctl.h: XEN_DOMCTL_CDF_* and xen/arch-x86/xen.h: XEN_X86_EMU_*
    public static final int CDF_HVM = 1 << 0;
    public static final int CDF_HAP = 1 << 1;
    public static final int X86_EMU_LAPIC = 1 << 0;

    // xenguest.h
    public static final int XCFLAGS_LIVE = 1 << 0;
    public static final int XC_STREAM_PLAIN = 0;
    public static final int XC_STREAM_REMUS = 1;
    public static final int XGR_CHECKPOINT_ERROR = 0;
    public static final int XGR_CHECKPOINT_SUCCESS = 1;
    public static final int XGR_CHECKPOINT_FAILOVER = 2;

    // xen/arch-x86/hvm/save.h
    public static final int HVM_FILE_MAGIC = 0x54381286;
    public static final int HVM_SAVE_CODE_END = 0;
    public static final int HVM_SAVE_CODE_HEADER = 1;
    public static final int HVM_SAVE_CODE_CPU = 2;

    // xenstore.h
    public static final int XBT_NULL = 0;
    public static final int XS_WATCH_PATH = 0;
    public static final int XS_WATCH_TOKEN = 1;
    public static final int XS_PERM_NONE = 0;
    public static final int XS_PERM_READ = 1;

    public static final int PAGE_SIZE = 4096;

    private XenConstants() {
    }
}
