package org.kemari.hv.kvm.internal.sys;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

/** The hard-coded ioctl numbers agree with the {@code _IOC} encoding of their struct sizes. */
public class KvmConstantsTest {
    private static final int NONE = 0, W = 1, R = 2, RW = 3;

    private static long ioc(int dir, int nr, int size) {
        return ((long) dir << 30) | ((long) size << 16) | (0xAEL << 8) | nr;
    }

    @Test
    public void ioctlNumbersMatchTheirStructSizes() {
        assertEquals(ioc(NONE, 0x80, 0), KvmConstants.KVM_RUN);
        assertEquals(ioc(R, 0x81, KvmLayout.REGS_SIZE), KvmConstants.KVM_GET_REGS);
        assertEquals(ioc(W, 0x82, KvmLayout.REGS_SIZE), KvmConstants.KVM_SET_REGS);
        assertEquals(ioc(R, 0x83, KvmLayout.SREGS_SIZE), KvmConstants.KVM_GET_SREGS);
        assertEquals(ioc(W, 0x84, KvmLayout.SREGS_SIZE), KvmConstants.KVM_SET_SREGS);
        assertEquals(ioc(RW, 0x88, KvmLayout.MSRS_HEADER), KvmConstants.KVM_GET_MSRS);
        assertEquals(ioc(W, 0x89, KvmLayout.MSRS_HEADER), KvmConstants.KVM_SET_MSRS);
        assertEquals(ioc(W, 0x8b, KvmLayout.SIGNAL_MASK_HEADER), KvmConstants.KVM_SET_SIGNAL_MASK);
        assertEquals(ioc(W, 0x90, KvmLayout.CPUID2_HEADER), KvmConstants.KVM_SET_CPUID2);
        assertEquals(ioc(R, 0x98, KvmLayout.MP_STATE_SIZE), KvmConstants.KVM_GET_MP_STATE);
        assertEquals(ioc(W, 0x99, KvmLayout.MP_STATE_SIZE), KvmConstants.KVM_SET_MP_STATE);
        assertEquals(ioc(R, 0x9f, KvmLayout.VCPU_EVENTS_SIZE), KvmConstants.KVM_GET_VCPU_EVENTS);
        assertEquals(ioc(W, 0xa0, KvmLayout.VCPU_EVENTS_SIZE), KvmConstants.KVM_SET_VCPU_EVENTS);
        assertEquals(ioc(R, 0xa1, KvmLayout.DEBUGREGS_SIZE), KvmConstants.KVM_GET_DEBUGREGS);
        assertEquals(ioc(W, 0xa2, KvmLayout.DEBUGREGS_SIZE), KvmConstants.KVM_SET_DEBUGREGS);
        assertEquals(ioc(R, 0xa4, KvmLayout.XSAVE_SIZE), KvmConstants.KVM_GET_XSAVE);
        assertEquals(ioc(W, 0xa5, KvmLayout.XSAVE_SIZE), KvmConstants.KVM_SET_XSAVE);
        assertEquals(ioc(R, 0xa6, KvmLayout.XCRS_SIZE), KvmConstants.KVM_GET_XCRS);
        assertEquals(ioc(W, 0xa7, KvmLayout.XCRS_SIZE), KvmConstants.KVM_SET_XCRS);
        assertEquals(ioc(W, 0x42, KvmLayout.DIRTY_LOG_SIZE), KvmConstants.KVM_GET_DIRTY_LOG);
        assertEquals(ioc(W, 0x46, KvmLayout.MEMREGION_SIZE), KvmConstants.KVM_SET_USER_MEMORY_REGION);
        assertEquals(ioc(RW, 0x05, KvmLayout.CPUID2_HEADER), KvmConstants.KVM_GET_SUPPORTED_CPUID);
        assertEquals(ioc(RW, 0x02, KvmLayout.MSR_LIST_HEADER), KvmConstants.KVM_GET_MSR_INDEX_LIST);
        assertEquals(ioc(W, 0xa3, 104), KvmConstants.KVM_ENABLE_CAP);
        assertEquals(ioc(RW, 0xc0, 24), KvmConstants.KVM_CLEAR_DIRTY_LOG);
        assertEquals(ioc(NONE, 0x60, 0), KvmConstants.KVM_CREATE_IRQCHIP);
        assertEquals(ioc(W, 0x61, KvmLayout.IRQ_LEVEL_SIZE), KvmConstants.KVM_IRQ_LINE);
        assertEquals(ioc(RW, 0x62, KvmLayout.IRQCHIP_SIZE), KvmConstants.KVM_GET_IRQCHIP);
        assertEquals(ioc(R, 0x63, KvmLayout.IRQCHIP_SIZE), KvmConstants.KVM_SET_IRQCHIP);
        assertEquals(ioc(W, 0x77, KvmLayout.PIT_CONFIG_SIZE), KvmConstants.KVM_CREATE_PIT2);
        assertEquals(ioc(R, 0x9f, KvmLayout.PIT_STATE2_SIZE), KvmConstants.KVM_GET_PIT2);
        assertEquals(ioc(W, 0xa0, KvmLayout.PIT_STATE2_SIZE), KvmConstants.KVM_SET_PIT2);
        assertEquals(ioc(R, 0x7c, KvmLayout.CLOCK_DATA_SIZE), KvmConstants.KVM_GET_CLOCK);
        assertEquals(ioc(W, 0x7b, KvmLayout.CLOCK_DATA_SIZE), KvmConstants.KVM_SET_CLOCK);
        assertEquals(ioc(W, 0x48, 8), KvmConstants.KVM_SET_IDENTITY_MAP_ADDR);
        assertEquals(ioc(R, 0x8e, KvmLayout.LAPIC_SIZE), KvmConstants.KVM_GET_LAPIC);
        assertEquals(ioc(W, 0x8f, KvmLayout.LAPIC_SIZE), KvmConstants.KVM_SET_LAPIC);
    }

    @Test
    public void structOffsetsAreConsistent() {
        assertEquals(8 * KvmLayout.SEGMENT_SIZE, KvmLayout.SREGS_GDT);
        assertEquals(KvmLayout.SREGS_GDT + 16, KvmLayout.SREGS_IDT);
        assertEquals(KvmLayout.SREGS_IDT + 16, KvmLayout.SREGS_CR0);
        assertEquals(KvmLayout.SREGS_APIC_BASE + 8 + 32, KvmLayout.SREGS_SIZE); // + interrupt_bitmap[4]
        assertEquals(18 * 8, KvmLayout.REGS_SIZE);
    }
}
