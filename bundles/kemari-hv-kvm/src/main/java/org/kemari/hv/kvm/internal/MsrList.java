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

    private MsrList() {
    }

    /** The candidates this KVM supports and can read on {@code vcpu}. */
    static int[] select(int[] supported, KvmVcpuFd vcpu) throws HypervisorException {
        List<Integer> list = new ArrayList<>();
        for (int c : CANDIDATES) {
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
