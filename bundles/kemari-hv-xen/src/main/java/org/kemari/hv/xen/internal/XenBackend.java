package org.kemari.hv.xen.internal;

import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.HypervisorBackend;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.MemoryImage;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.osgi.service.component.annotations.Component;

/**
 * The Xen backend. In this release it probes the host for real (so operators see whether Xen is
 * usable here and why not); running and protecting Xen guests is not implemented yet and is
 * refused with a clear error rather than pretending.
 */
@Component(service = HypervisorBackend.class, property = HypervisorBackend.NAME_PROPERTY + "=" + XenBackend.NAME)
public class XenBackend implements HypervisorBackend {
    static final String NAME = "xen";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public BackendStatus probe() {
        try {
            return XenProbe.probe();
        } catch (RuntimeException | LinkageError e) {
            return new BackendStatus(NAME, false, "probe failed: " + e, java.util.List.of());
        }
    }

    @Override
    public Vm create(VmSpec spec) throws HypervisorException {
        throw notYet(probe());
    }

    @Override
    public Vm restore(VmSpec spec, MemoryImage memory, MachineState state) throws HypervisorException {
        throw notYet(probe());
    }

    private static HypervisorException notYet(BackendStatus status) {
        if (!status.usable()) {
            return new HypervisorException(HypervisorException.Reason.UNAVAILABLE, "Xen is not usable here: " + status.reason());
        }
        return new HypervisorException(HypervisorException.Reason.UNSUPPORTED,
                "creating Xen guests from a VmSpec is not implemented: start the guest with xl and protect it by domain");
    }
}
