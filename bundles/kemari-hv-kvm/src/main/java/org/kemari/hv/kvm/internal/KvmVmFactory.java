package org.kemari.hv.kvm.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.kemari.api.hv.GuestMemory;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.MemoryImage;
import org.kemari.api.hv.StateRecord;
import org.kemari.api.hv.VmSpec;
import org.kemari.hv.kvm.internal.sys.KvmConstants;
import org.kemari.hv.kvm.internal.sys.KvmLayout;
import org.kemari.hv.kvm.internal.virtio.VirtioDevices;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds {@link KvmVm}s: fresh from a spec and an image, or from saved memory and state. */
final class KvmVmFactory {
    private static final Logger LOG = LoggerFactory.getLogger(KvmVmFactory.class);
    /** Three pages in the hole below 4 GiB, as other VMMs use; needed by VMX for real mode, harmless otherwise. */
    private static final long TSS_ADDRESS = 0xFFFB_D000L;
    /** The page below the TSS: VMX's identity page table for real mode. */
    private static final long IDENTITY_MAP_ADDRESS = 0xFFFB_C000L;

    private final String devicePath;

    KvmVmFactory(String devicePath) {
        this.devicePath = devicePath;
    }

    /** Creates, sets up (a Linux kernel's boot, or the guest ABI's entry state) and starts a VM. */
    KvmVm create(VmSpec spec) throws HypervisorException {
        byte[] image = GuestImages.load(spec);
        if (LinuxKernel.looksLikeBzImage(image)) {
            return createLinux(spec, LinuxKernel.parse(spec.image(), image));
        }
        return createTestAbi(spec, image);
    }

    private KvmVm createLinux(VmSpec spec, LinuxKernel kernel) throws HypervisorException {
        LinuxOptions options = LinuxOptions.parse(spec.options());
        byte[] initrd = options.initrd();
        String cmdline = options.cmdline() + LinuxMachine.deviceArguments(spec.disks().size() + spec.nics().size());
        KvmVm vm = build(spec, null, false, true);
        try {
            LinuxBoot.writeMemory(vm.ram(), vm.layout(), kernel, initrd, cmdline);
            for (KvmVcpuFd vcpu : vm.vcpus()) {
                vcpu.setSregs(LinuxBoot.entrySregs(vcpu.getSregs()));
                vcpu.setRegs(LinuxBoot.entryRegs());
            }
            LOG.info("VM {}: booting Linux (boot protocol {}) with {} KiB initrd, command line: {}", spec.name(),
                    kernel.protocol(), initrd.length >> 10, cmdline);
            vm.start(false);
            return vm;
        } catch (HypervisorException | RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    private KvmVm createTestAbi(VmSpec spec, byte[] image) throws HypervisorException {
        GuestOptions options;
        try {
            options = GuestOptions.parse(spec.options());
        } catch (IllegalArgumentException e) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "VM " + spec.name() + ": " + e.getMessage(), e);
        }
        byte[] mac = spec.nics().isEmpty() ? new byte[6] : parseMac(spec.nics().get(0).mac());
        KvmVm vm = build(spec, null, false, false);
        try {
            BootSetup.writeMemory(vm.ram(), vm.layout(), options, mac, image);
            // The guest's TCP clock: measuring it with WAITs would include this VMM's wake-up latency.
            BootSetup.writeTscKhz(vm.ram(), vm.vcpus().get(0).tscKhz());
            for (KvmVcpuFd vcpu : vm.vcpus()) {
                vcpu.setSregs(BootSetup.entrySregs(vcpu.getSregs()));
                vcpu.setRegs(BootSetup.entryRegs());
            }
            vm.start(false);
            return vm;
        } catch (HypervisorException | RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    /** Builds a VM from saved memory and state; it is left CREATED (parked) until resumed. */
    KvmVm restore(VmSpec spec, MemoryImage memory, MachineState state) throws HypervisorException {
        if (!KvmBackend.NAME.equals(state.backend())) {
            throw new HypervisorException(Reason.BAD_STATE, "machine state was captured by backend '" + state.backend()
                    + "', not '" + KvmBackend.NAME + "'");
        }
        StateRecord machineRecord = state.find(MachineRecord.KIND, MachineRecord.INSTANCE).orElseThrow(
                () -> new HypervisorException(Reason.BAD_STATE, "machine state has no " + MachineRecord.KIND + " record"));
        MachineRecord machine = MachineRecord.from(machineRecord);
        if (machine.ramSize() != spec.memoryBytes() || memory.size() != spec.memoryBytes()) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "memory sizes differ: spec " + spec.memoryBytes()
                    + ", saved machine " + machine.ramSize() + ", memory image " + memory.size());
        }
        if (machine.vcpus() != spec.vcpus()) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "saved machine has " + machine.vcpus() + " vCPUs, spec " + spec.vcpus());
        }
        List<String> specDevices = new ArrayList<>();
        spec.disks().forEach(d -> specDevices.add(d.id()));
        spec.nics().forEach(n -> specDevices.add(n.id()));
        if (!machine.deviceIds().equals(specDevices)) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "saved machine has devices " + machine.deviceIds()
                    + ", spec " + specDevices);
        }
        KvmVm vm = build(spec, machine, true, machine.linux());
        try {
            checkKinds(state, vm);
            copyMemory(memory, vm.ram());
            for (KvmVcpuFd vcpu : vm.vcpus()) {
                StateRecord r = state.find(VcpuState.KIND, Integer.toString(vcpu.id())).orElseThrow(
                        () -> new HypervisorException(Reason.BAD_STATE, "machine state has no " + VcpuState.KIND
                                + " record for vCPU " + vcpu.id()));
                VcpuState.restore(vcpu, r, machine.linux());
            }
            if (vm.linux() != null) {
                vm.linux().restore(state);
            }
            vm.devices().restore(state.records());
            vm.start(true);
            return vm;
        } catch (HypervisorException | RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    /** Refuses record kinds nobody here reads, rather than silently dropping state. */
    private static void checkKinds(MachineState state, KvmVm vm) throws HypervisorException {
        Set<String> known = new HashSet<>(Set.of(MachineRecord.KIND, VcpuState.KIND));
        if (vm.linux() != null) {
            known.addAll(LinuxMachine.stateKinds());
        }
        vm.devices().save().forEach(r -> known.add(r.kind())); // the kinds this VM's devices write
        for (StateRecord r : state.records()) {
            if (!known.contains(r.kind())) {
                throw new HypervisorException(Reason.BAD_STATE, "unknown state record kind '" + r.kind() + "' (instance "
                        + r.instance() + "); this VM reads " + known);
            }
        }
    }

    /** Copies RAM from the image, skipping all-zero pages so that untouched memory stays unallocated. */
    private static void copyMemory(MemoryImage from, GuestRam to) {
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        for (long offset = 0; offset < from.size(); offset += chunk.capacity()) {
            int len = (int) Math.min(chunk.capacity(), from.size() - offset);
            chunk.clear().limit(len);
            from.read(offset, chunk);
            for (int page = 0; page < len; page += GuestMemory.PAGE_SIZE) {
                if (!isZero(chunk, page, Math.min(GuestMemory.PAGE_SIZE, len - page))) {
                    to.write(offset + page, chunk.slice(page, Math.min(GuestMemory.PAGE_SIZE, len - page)));
                }
            }
        }
    }

    private static boolean isZero(ByteBuffer b, int from, int len) {
        for (int i = from; i < from + len; i += 8) {
            if (b.getLong(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** KVM VM, RAM, slots, vCPUs with CPUID, devices; everything closed again on failure. */
    private KvmVm build(VmSpec spec, MachineRecord saved, boolean startPaused, boolean linux) throws HypervisorException {
        if (spec.vcpus() != 1) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "VM " + spec.name() + " asks for " + spec.vcpus()
                    + " vCPUs; the KVM backend runs single-vCPU guests (guest ABI v1 has no way to start a second vCPU)");
        }
        MemoryLayout layout;
        try {
            layout = new MemoryLayout(spec.memoryBytes());
        } catch (IllegalArgumentException e) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "VM " + spec.name() + ": " + e.getMessage(), e);
        }
        Deque<AutoCloseable> opened = KvmVm.newCleanupStack();
        try (KvmSystem kvm = KvmSystem.open(devicePath)) {
            KvmVm.requireCapabilities(kvm);
            KvmVmFd vmFd = new KvmVmFd(kvm.createVmFd());
            opened.push(vmFd);
            try {
                vmFd.setTssAddr(TSS_ADDRESS);
            } catch (HypervisorException e) {
                LOG.debug("KVM_SET_TSS_ADDR refused ({}); not needed for a long-mode guest", e.getMessage());
            }
            if (linux) {
                try {
                    vmFd.setIdentityMapAddr(IDENTITY_MAP_ADDRESS);
                } catch (HypervisorException e) {
                    LOG.debug("KVM_SET_IDENTITY_MAP_ADDR refused ({}); only VMX uses it", e.getMessage());
                }
                LinuxMachine.createPlatform(vmFd);
            }
            GuestRam ram = new GuestRam(layout.ramSize());
            opened.push(ram);
            CpuidTable cpuid = saved != null ? saved.cpuid() : linux ? kvm.supportedCpuid().forLinux() : kvm.supportedCpuid();
            int mmapSize = kvm.vcpuMmapSize();
            boolean syncRegs = (kvm.checkExtension(KvmConstants.KVM_CAP_SYNC_REGS) & KvmLayout.SYNC_REGS_ALL) == KvmLayout.SYNC_REGS_ALL;
            List<KvmVcpuFd> vcpus = new ArrayList<>();
            for (int i = 0; i < spec.vcpus(); i++) {
                KvmVcpuFd vcpu = new KvmVcpuFd(i, vmFd.createVcpuFd(i), mmapSize);
                opened.push(vcpu);
                vcpu.setCpuid(cpuid.forVcpu(i));
                if (syncRegs) {
                    vcpu.enableSyncRegs();
                }
                vcpus.add(vcpu);
            }
            int[] msrs = saved != null ? saved.msrIndices()
                    : linux ? MsrList.selectLinux(kvm.msrIndexList(), vcpus.get(0)) : MsrList.select(kvm.msrIndexList(), vcpus.get(0));
            KvmVm vm = new KvmVm(spec, layout, vmFd, ram, cpuid, msrs, vcpus, startPaused);
            vm.mapMemory();
            if (linux) {
                LinuxMachine machine = vm.attachLinux();
                vm.attachDevices(VirtioDevices.build(spec, vm.physicalMemory(), machine::slotInterrupt, vm.outputRouter()));
            } else {
                vm.attachDevices(VirtioDevices.build(spec, vm.physicalMemory(), vm.events(), vm.outputRouter()));
            }
            return vm;
        } catch (HypervisorException | RuntimeException e) {
            KvmVm.closeAll(opened);
            throw e;
        }
    }

    private static byte[] parseMac(String mac) {
        String[] parts = mac.split(":");
        byte[] bytes = new byte[6];
        for (int i = 0; i < 6; i++) {
            bytes[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return bytes;
    }
}
