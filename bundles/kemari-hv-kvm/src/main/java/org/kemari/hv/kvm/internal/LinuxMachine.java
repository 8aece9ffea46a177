package org.kemari.hv.kvm.internal;

import java.util.List;
import java.util.Set;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.StateRecord;
import org.kemari.hv.kvm.internal.bus.GuestEvents;
import org.kemari.hv.kvm.internal.virtio.VirtioDevices;

/**
 * What a Linux guest's machine has beyond the test ABI's: the in-kernel irqchip and PIT (created
 * with the VM), COM1 on IRQ 4, and each virtio-mmio slot on its own ISA interrupt line, announced
 * to the kernel on its command line. Saves and restores the platform and serial state.
 */
final class LinuxMachine {
    /** Interrupt line of virtio-mmio slot i: free ISA lines, skipping the timer, cascade, COM ports, RTC and 7/15 (spurious). */
    static final int[] SLOT_IRQS = {5, 6, 9, 10, 11, 12, 13, 14};

    private final KvmVmFd vmFd;
    private final Serial8250 serial;
    private final LinuxPorts ports;

    LinuxMachine(String vmName, KvmVmFd vmFd, ConsoleCollector console, VmEvents events) {
        this.vmFd = vmFd;
        this.serial = new Serial8250(console, new IrqLine(vmFd, Serial8250.IRQ));
        this.ports = new LinuxPorts(vmName, serial, events);
    }

    /** The in-kernel devices a Linux machine needs; on a fresh VM fd, before its vCPUs. */
    static void createPlatform(KvmVmFd vmFd) throws HypervisorException {
        vmFd.createIrqchip();
        vmFd.createPit();
    }

    IoPorts ports() {
        return ports;
    }

    GuestEvents slotInterrupt(int slot) {
        return new IrqLine(vmFd, SLOT_IRQS[slot]);
    }

    /** The kernel command line arguments that announce {@code count} virtio-mmio devices (virtio_mmio.device=). */
    static String deviceArguments(int count) {
        StringBuilder args = new StringBuilder();
        for (int i = 0; i < count; i++) {
            args.append(String.format(" virtio_mmio.device=4K@0x%x:%d", VirtioDevices.slotBase(i), SLOT_IRQS[i]));
        }
        return args.toString();
    }

    static Set<String> stateKinds() {
        return Set.of(PlatformState.KIND, Serial8250.KIND);
    }

    List<StateRecord> save() throws HypervisorException {
        return List.of(PlatformState.capture(vmFd), serial.save());
    }

    void restore(MachineState state) throws HypervisorException {
        serial.restore(require(state, Serial8250.KIND, "com1"));
        PlatformState.restore(vmFd, require(state, PlatformState.KIND, PlatformState.INSTANCE));
    }

    private static StateRecord require(MachineState state, String kind, String instance) throws HypervisorException {
        return state.find(kind, instance).orElseThrow(() -> StateCodec.bad("machine state of a Linux guest has no " + kind + " record"));
    }
}
