package org.kemari.core.internal;

import java.util.List;

import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.HypervisorBackend;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.MemoryImage;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;

/** A backend for registry tests: a fixed probe answer, and create() that can be told to fail. */
class StubBackend implements HypervisorBackend {
    private final String name;
    private final String tag;
    HypervisorException createFailure;

    StubBackend(String name, String tag) {
        this.name = name;
        this.tag = tag;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public BackendStatus probe() {
        return new BackendStatus(name, true, tag, List.of());
    }

    @Override
    public Vm create(VmSpec spec) throws HypervisorException {
        if (createFailure != null) {
            throw createFailure;
        }
        throw new HypervisorException(HypervisorException.Reason.UNSUPPORTED, "stub cannot run VMs");
    }

    @Override
    public Vm restore(VmSpec spec, MemoryImage memory, MachineState state) throws HypervisorException {
        throw new HypervisorException(HypervisorException.Reason.UNSUPPORTED, "stub cannot run VMs");
    }
}
