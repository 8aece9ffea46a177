package org.kemari.hv.kvm.internal;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.StateRecord;
import org.kemari.hv.kvm.internal.sys.KvmConstants;
import org.kemari.hv.kvm.internal.sys.KvmLayout;

/**
 * The in-kernel devices of a Linux guest's machine as one {@value #KIND} record, version
 * {@value #VERSION}: both PICs and the IOAPIC (their pending and in-service interrupts
 * included), the PIT's channels, and the KVM clock (kvmclock's time base, so the guest's time
 * continues from the captured instant). Each is the kernel's struct bytes. The LAPIC belongs to
 * its vCPU ({@link VcpuState}).
 */
final class PlatformState {
    static final String KIND = "kvm.platform";
    static final String INSTANCE = "platform";
    static final int VERSION = 1;
    /** "KPL1". */
    private static final int MAGIC = 0x4B504C31;
    private static final int[] CHIPS = {KvmConstants.KVM_IRQCHIP_PIC_MASTER, KvmConstants.KVM_IRQCHIP_PIC_SLAVE,
        KvmConstants.KVM_IRQCHIP_IOAPIC};

    private PlatformState() {
    }

    static StateRecord capture(KvmVmFd vm) throws HypervisorException {
        byte[][] chips = new byte[CHIPS.length][];
        for (int i = 0; i < CHIPS.length; i++) {
            chips[i] = vm.getIrqchip(CHIPS[i]);
        }
        byte[] pit = vm.get(KvmConstants.KVM_GET_PIT2, KvmLayout.PIT_STATE2_SIZE, "KVM_GET_PIT2");
        byte[] clock = vm.get(KvmConstants.KVM_GET_CLOCK, KvmLayout.CLOCK_DATA_SIZE, "KVM_GET_CLOCK");
        byte[] payload = StateCodec.encode(MAGIC, out -> {
            for (byte[] chip : chips) {
                StateCodec.writeBytes(out, chip);
            }
            StateCodec.writeBytes(out, pit);
            StateCodec.writeBytes(out, clock);
        });
        return new StateRecord(KIND, INSTANCE, VERSION, payload);
    }

    /** Sets interrupt controllers, PIT and clock; the clock last, just before the vCPUs run. */
    static void restore(KvmVmFd vm, StateRecord record) throws HypervisorException {
        if (record.version() != VERSION) {
            throw StateCodec.bad(KIND + ": version " + record.version() + " is not supported (this backend reads version " + VERSION + ")");
        }
        DataInputStream in = StateCodec.decode(record.payload(), MAGIC, KIND);
        byte[][] chips = new byte[CHIPS.length][];
        byte[] pit;
        byte[] clock;
        try {
            for (int i = 0; i < CHIPS.length; i++) {
                chips[i] = StateCodec.readBytes(in, KvmLayout.IRQCHIP_DATA_SIZE, KIND + " irqchip " + CHIPS[i]);
            }
            pit = StateCodec.readBytes(in, KvmLayout.PIT_STATE2_SIZE, KIND + " pit");
            clock = StateCodec.readBytes(in, KvmLayout.CLOCK_DATA_SIZE, KIND + " clock");
        } catch (IOException e) {
            throw StateCodec.bad(KIND + ": truncated payload (" + e.getMessage() + ")");
        }
        for (int i = 0; i < CHIPS.length; i++) {
            vm.setIrqchip(CHIPS[i], chips[i]);
        }
        vm.set(KvmConstants.KVM_SET_PIT2, pit, "KVM_SET_PIT2");
        // Only the clock value: the flags GET_CLOCK reports (TSC_STABLE, REALTIME...) are not all settable.
        ByteBuffer.wrap(clock).order(ByteOrder.LITTLE_ENDIAN).putInt(KvmLayout.CLOCK_DATA_FLAGS, 0);
        vm.set(KvmConstants.KVM_SET_CLOCK, clock, "KVM_SET_CLOCK");
    }
}
