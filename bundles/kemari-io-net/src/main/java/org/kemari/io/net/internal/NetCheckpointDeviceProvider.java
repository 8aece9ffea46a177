package org.kemari.io.net.internal;

import java.util.Optional;
import java.util.Set;

import org.kemari.api.hv.VmSpec;
import org.kemari.api.io.CheckpointContext;
import org.kemari.api.io.CheckpointDevice;
import org.kemari.api.io.CheckpointDeviceProvider;
import org.kemari.api.io.HoldingCheckpointDevice;
import org.kemari.api.io.OutputKind;
import org.osgi.service.component.annotations.Component;

/**
 * The network interceptor: frames a protected VM transmits leave the host only once the standby
 * has committed the epoch that sent them. The receive path is untouched: a frame received and
 * then lost with the primary is, to the sender, a frame lost on the wire.
 */
@Component(service = CheckpointDeviceProvider.class)
public class NetCheckpointDeviceProvider implements CheckpointDeviceProvider {
    static final String NAME = "net";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<CheckpointDevice> setup(CheckpointContext context) {
        VmSpec spec = context.vm().spec();
        if (spec.nics().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new HoldingCheckpointDevice(NAME, spec.name(), Set.of(OutputKind.NET_FRAME)));
    }
}
