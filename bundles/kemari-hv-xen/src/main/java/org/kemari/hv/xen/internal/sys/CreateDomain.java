package org.kemari.hv.xen.internal.sys;

import com.sun.jna.Structure;

/** {@code struct xen_domctl_createdomain} (domctl interface 0x15, Xen 4.17), 64 bytes. */
@Structure.FieldOrder({"ssidref", "handle", "flags", "iommu_opts", "max_vcpus", "max_evtchn_port",
        "max_grant_frames", "max_maptrack_frames", "grant_opts", "vmtrace_size", "cpupool_id",
        "emulation_flags", "misc_flags"})
public class CreateDomain extends Structure {
    public static final int SIZE = 64;

    public int ssidref;
    public byte[] handle = new byte[16];
    public int flags;
    public int iommu_opts;
    public int max_vcpus;
    public int max_evtchn_port;
    public int max_grant_frames;
    public int max_maptrack_frames;
    public int grant_opts;
    public int vmtrace_size;
    public int cpupool_id;
    /** {@code arch.emulation_flags} (struct xen_arch_domainconfig, inlined). */
    public int emulation_flags;
    /** {@code arch.misc_flags}. */
    public int misc_flags;

    /** A PVH domain as libxl creates it: HVM container, HAP, only the local APIC emulated. */
    public static CreateDomain pvh(int vcpus) {
        CreateDomain c = new CreateDomain();
        c.flags = XenConstants.CDF_HVM | XenConstants.CDF_HAP;
        c.max_vcpus = vcpus;
        c.max_evtchn_port = 1023;
        c.max_grant_frames = -1;      // hypervisor default
        c.max_maptrack_frames = -1;
        c.grant_opts = 2;             // XEN_DOMCTL_GRANT_version(2), libxl's default
        c.emulation_flags = XenConstants.X86_EMU_LAPIC;
        return c;
    }
}
