package org.kemari.hv.kvm.internal;

import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.HypervisorBackend;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.MemoryImage;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.osgi.service.component.annotations.Component;

/**
 * The KVM hypervisor backend: a small in-process VMM over {@code /dev/kvm} (via JNA) that runs
 * the Kemari test guest (docs/specs/guest-abi.md) or another flat binary following that ABI.
 */
@Component(service = HypervisorBackend.class, property = HypervisorBackend.NAME_PROPERTY + "=" + KvmBackend.NAME)
public class KvmBackend implements HypervisorBackend {
    public static final String NAME = "kvm";

    private final String devicePath;

    public KvmBackend() {
        this(KvmSystem.DEFAULT_DEVICE);
    }

    /** A backend using another device node (tests use a missing path to see the failure text). */
    public KvmBackend(String devicePath) {
        this.devicePath = devicePath;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public BackendStatus probe() {
        return KvmProbe.probe(NAME, devicePath);
    }

    @Override
    public Vm create(VmSpec spec) throws HypervisorException {
        return new KvmVmFactory(devicePath).create(spec);
    }

    @Override
    public Vm restore(VmSpec spec, MemoryImage memory, MachineState state) throws HypervisorException {
        return new KvmVmFactory(devicePath).restore(spec, memory, state);
    }
}
