package org.kemari.hv.xen.internal;

import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.HypervisorBackend;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.MemoryImage;
import org.kemari.api.hv.StandbyStream;
import org.kemari.api.hv.StreamRestoring;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.osgi.service.component.annotations.Component;

/**
 * The Xen backend: probes the host for real, adopts running PVH/HVM domains as {@link XenVm}s, and
 * carries the REMUS stream seam ({@link RemusSave}, {@link RemusRestore}). See
 * docs/architecture.md, "Xen backend", for what the engine still needs.
 */
@Component(service = HypervisorBackend.class, property = HypervisorBackend.NAME_PROPERTY + "=" + XenBackend.NAME)
public class XenBackend implements HypervisorBackend, StreamRestoring {
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

    /**
     * Adopts a running PVH/HVM domain named by the spec's {@code xen.domain} option (start it with
     * xl); building domains from a spec is not implemented.
     */
    @Override
    public Vm create(VmSpec spec) throws HypervisorException {
        BackendStatus status = probe();
        if (!status.usable()) {
            throw new HypervisorException(HypervisorException.Reason.UNAVAILABLE, "Xen is not usable here: " + status.reason());
        }
        return XenVm.adopt(spec);
    }

    /**
     * A standby fed by the primary's REMUS stream: an empty paused PVH domain that
     * {@code xc_domain_restore} fills; see {@link XenStandbyStream}.
     */
    @Override
    public StandbyStream openStandby(VmSpec spec) throws HypervisorException {
        BackendStatus status = probe();
        if (!status.usable()) {
            throw new HypervisorException(HypervisorException.Reason.UNAVAILABLE, "Xen is not usable here: " + status.reason());
        }
        return new XenStandbyStream(spec);
    }

    /**
     * Refused: a Xen standby is fed by libxenguest's stream ({@link RemusRestore}), not by pages and
     * state records; see docs/architecture.md, "Xen backend".
     */
    @Override
    public Vm restore(VmSpec spec, MemoryImage memory, MachineState state) throws HypervisorException {
        BackendStatus status = probe();
        if (!status.usable()) {
            throw new HypervisorException(HypervisorException.Reason.UNAVAILABLE, "Xen is not usable here: " + status.reason());
        }
        throw new HypervisorException(HypervisorException.Reason.UNSUPPORTED,
                "restoring a Xen guest from pages and state records is not implemented: the Xen standby is fed by "
                        + "libxenguest's REMUS stream");
    }
}
