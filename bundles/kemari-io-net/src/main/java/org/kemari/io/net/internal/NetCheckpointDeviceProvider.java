package org.kemari.io.net.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.io.CheckpointContext;
import org.kemari.api.io.CheckpointDevice;
import org.kemari.api.io.CheckpointDeviceException;
import org.kemari.api.io.CheckpointDeviceProvider;
import org.kemari.api.io.HoldingCheckpointDevice;
import org.kemari.api.io.OutputKind;
import org.kemari.io.net.internal.linux.FrameHold;
import org.kemari.io.net.internal.linux.KernelFrameHold;
import org.osgi.service.component.annotations.Component;

/**
 * The network interceptor: frames a protected VM transmits leave the host only once the standby
 * has committed the epoch that sent them. Frames the backend submits (KVM's virtio-net) are held
 * in memory; frames of NICs that reach the host kernel directly (a Xen vif, see
 * {@link Vm#nicHostInterface}) are held in the kernel. The receive path is untouched: a frame
 * received and then lost with the primary is, to the sender, a frame lost on the wire.
 */
@Component(service = CheckpointDeviceProvider.class)
public class NetCheckpointDeviceProvider implements CheckpointDeviceProvider {
    static final String NAME = "net";

    /** Makes the kernel hold of one interface (a seam for tests). */
    interface HoldFactory {
        FrameHold start(String iface) throws IOException;
    }

    private final HoldFactory holds;

    public NetCheckpointDeviceProvider() {
        this(KernelFrameHold::start);
    }

    NetCheckpointDeviceProvider(HoldFactory holds) {
        this.holds = holds;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<CheckpointDevice> setup(CheckpointContext context) throws CheckpointDeviceException {
        Vm vm = context.vm();
        VmSpec spec = vm.spec();
        if (spec.nics().isEmpty()) {
            return Optional.empty();
        }
        List<String> interfaces = new ArrayList<>();
        for (VmSpec.NicSpec nic : spec.nics()) {
            vm.nicHostInterface(nic.id()).ifPresent(interfaces::add);
        }
        if (interfaces.isEmpty()) {
            return Optional.of(new HoldingCheckpointDevice(NAME, spec.name(), Set.of(OutputKind.NET_FRAME)));
        }
        if (interfaces.size() != spec.nics().size()) {
            throw new CheckpointDeviceException(CheckpointDeviceException.Reason.BAD_CONFIGURATION, "VM " + spec.name()
                    + ": some NICs reach the host kernel directly (" + interfaces + ") and some do not: not supported");
        }
        return Optional.of(new KernelNetCheckpointDevice(spec.name(), startHolds(spec.name(), interfaces), context));
    }

    private List<FrameHold> startHolds(String vmName, List<String> interfaces) throws CheckpointDeviceException {
        List<FrameHold> started = new ArrayList<>();
        try {
            for (String iface : interfaces) {
                started.add(holds.start(iface));
            }
            return started;
        } catch (IOException e) {
            started.forEach(h -> h.close(true));
            throw new CheckpointDeviceException(CheckpointDeviceException.Reason.SETUP_FAILED,
                    "VM " + vmName + ": " + e.getMessage(), e);
        }
    }
}
