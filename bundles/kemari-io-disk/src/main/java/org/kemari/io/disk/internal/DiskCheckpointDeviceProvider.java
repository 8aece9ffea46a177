package org.kemari.io.disk.internal;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.kemari.api.hv.VmSpec;
import org.kemari.api.io.CheckpointContext;
import org.kemari.api.io.CheckpointDevice;
import org.kemari.api.io.CheckpointDeviceProvider;
import org.osgi.service.component.annotations.Component;

/**
 * The disk interceptor: a protected VM's disk writes reach the disk only once the standby has
 * committed the epoch in which the guest issued them. Until then the request stays pending in
 * the guest's state, which is what the standby re-issues if it takes over. Shared disks (a file
 * path or an {@code nbd://} export both hosts reach) need nothing more; for replicated disks
 * ({@code replicated:/path}) the device also hands each epoch's writes to the engine, which
 * carries them to the standby's own copy in that epoch.
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
        Set<String> replicated = spec.disks().stream().filter(VmSpec.DiskSpec::replicated).map(VmSpec.DiskSpec::id)
                .collect(Collectors.toSet());
        return Optional.of(new DiskCheckpointDevice(spec.name(), replicated));
    }
}
