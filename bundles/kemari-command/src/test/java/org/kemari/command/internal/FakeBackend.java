package org.kemari.command.internal;

import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.HypervisorBackend;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.MemoryImage;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;

/** A backend whose probe answer is fixed, for testing how commands present it. */
final class FakeBackend implements HypervisorBackend {
    private final String name;
    private final BackendStatus status;

    FakeBackend(String name, BackendStatus status) {
        this.name = name;
        this.status = status;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public BackendStatus probe() {
        return status;
    }

    @Override
    public Vm create(VmSpec spec) throws HypervisorException {
        throw new HypervisorException(HypervisorException.Reason.UNSUPPORTED, "fake");
    }

    @Override
    public Vm restore(VmSpec spec, MemoryImage memory, MachineState state) throws HypervisorException {
        throw new HypervisorException(HypervisorException.Reason.UNSUPPORTED, "fake");
    }
}
