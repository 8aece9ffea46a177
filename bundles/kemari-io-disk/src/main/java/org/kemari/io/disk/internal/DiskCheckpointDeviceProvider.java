package org.kemari.io.disk.internal;

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
 * The disk interceptor: a protected VM's disk writes reach the disk only once the standby has
 * committed the epoch in which the guest issued them. Until then the request stays pending in
 * the guest's state, which is what the standby re-issues if it takes over. Disks live on storage
 * both hosts reach (a shared file path today).
 */
@Component(service = CheckpointDeviceProvider.class)
public class DiskCheckpointDeviceProvider implements CheckpointDeviceProvider {
    static final String NAME = "disk";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<CheckpointDevice> setup(CheckpointContext context) {
        VmSpec spec = context.vm().spec();
        if (spec.disks().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new HoldingCheckpointDevice(NAME, spec.name(), Set.of(OutputKind.DISK_WRITE)));
    }
}
