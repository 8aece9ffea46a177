package org.kemari.hv.kvm.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.kemari.api.hv.HypervisorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MSRs saved with a vCPU: a curated list of what a long-mode guest's state needs and KVM
 * restores cleanly, narrowed to what this host's KVM lists and can read. (KVM_SET_MSRS stops at
 * the first MSR it rejects, so the list must contain only MSRs that round-trip.)
 */
final class MsrList {
    private static final Logger LOG = LoggerFactory.getLogger(MsrList.class);

    /** IA32_TSC: restoring it lets the guest's clock continue where it was. */
    static final int TSC = 0x10;
    private static final int[] CANDIDATES = {
        0x174, // SYSENTER_CS
        0x175, // SYSENTER_ESP
        0x176, // SYSENTER_EIP
        0x277, // PAT
        0xC0000081, // STAR
        0xC0000082, // LSTAR
        0xC0000083, // CSTAR
        0xC0000084, // SFMASK
        0xC0000102, // KERNEL_GS_BASE
        0xC0000103, // TSC_AUX
        TSC,
    };

    /**
     * A Linux guest's further MSRs: TSC adjust, misc enable, kvmclock (old and new numbers) after
     * the TSC it is based on, and the TSC deadline last, after the LAPIC and TSC it depends on.
     */
    private static final int[] LINUX_CANDIDATES = {
        0x174, 0x175, 0x176, 0x277, 0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, 0xC0000102, 0xC0000103,
        0x3B, // TSC_ADJUST
        0x1A0, // MISC_ENABLE
        0x48, // SPEC_CTRL
        TSC,
        0x11, 0x12, // kvmclock wall clock and system time (old numbers)
        0x4B564D00, 0x4B564D01, // kvmclock wall clock and system time
        0x6E0, // TSC_DEADLINE
    };

    private MsrList() {
    }

    /** The candidates this KVM supports and can read on {@code vcpu}. */
    static int[] select(int[] supported, KvmVcpuFd vcpu) throws HypervisorException {
        return select(CANDIDATES, supported, vcpu);
    }

    /** The Linux candidates this KVM supports and can read on {@code vcpu}, in restore order. */
    static int[] selectLinux(int[] supported, KvmVcpuFd vcpu) throws HypervisorException {
        return select(LINUX_CANDIDATES, supported, vcpu);
    }

    private static int[] select(int[] candidates, int[] supported, KvmVcpuFd vcpu) throws HypervisorException {
        List<Integer> list = new ArrayList<>();
        for (int c : candidates) {
            if (Arrays.stream(supported).anyMatch(s -> s == c)) {
                list.add(c);
            }
        }
        while (true) {
            int[] indices = list.stream().mapToInt(Integer::intValue).toArray();
            int read = vcpu.getMsrs(indices).length;
            if (read == indices.length) {
                return indices;
            }
            LOG.info("KVM cannot read MSR 0x{}; not saving it", Integer.toHexString(indices[read]));
            list.remove(read);
        }
    }
}
