package org.kemari.hv.xen.internal.sys;

import com.sun.jna.Structure;

/** {@code xc_domaininfo_t} ({@code struct xen_domctl_getdomaininfo}), 112 bytes on x86-64 (Xen 4.17). */
@Structure.FieldOrder({"domain", "pad1", "flags", "tot_pages", "max_pages", "outstanding_pages", "shr_pages",
        "paged_pages", "shared_info_frame", "cpu_time", "nr_online_vcpus", "max_vcpu_id", "ssidref", "handle",
        "cpupool", "gpaddr_bits", "pad2", "emulation_flags", "misc_flags"})
public class DomainInfo extends Structure {
    public static final int SIZE = 112;

    public short domain;
    public short pad1;
    public int flags;
    public long tot_pages;
    public long max_pages;
    public long outstanding_pages;
    public long shr_pages;
    public long paged_pages;
    public long shared_info_frame;
    public long cpu_time;
    public int nr_online_vcpus;
    public int max_vcpu_id;
    public int ssidref;
    public byte[] handle = new byte[16];
    public int cpupool;
    public byte gpaddr_bits;
    public byte[] pad2 = new byte[7];
    /** {@code arch_config.emulation_flags} (struct xen_arch_domainconfig, inlined). */
    public int emulation_flags;
    /** {@code arch_config.misc_flags}. */
    public int misc_flags;

    public int domid() {
        return domain & 0xffff;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** The guest-supplied shutdown code (meaningful when {@link XenConstants#DOMINF_SHUTDOWN} is set). */
    public int shutdownReason() {
        return (flags >>> XenConstants.DOMINF_SHUTDOWN_SHIFT) & XenConstants.DOMINF_SHUTDOWN_MASK;
    }
}
