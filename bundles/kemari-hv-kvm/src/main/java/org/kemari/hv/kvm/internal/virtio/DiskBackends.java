package org.kemari.hv.kvm.internal.virtio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.VmSpec.DiskSpec;

/** Opens the host side of a disk from its {@link DiskSpec}: an image file, or (later) an {@code nbd://} export. */
public final class DiskBackends {

    private DiskBackends() {
    }

    public static DiskBackend open(DiskSpec spec) throws HypervisorException {
        String path = spec.path();
        if (path.startsWith("nbd://")) {
            throw new HypervisorException(HypervisorException.Reason.UNSUPPORTED,
                    "disk " + spec.id() + ": NBD disks (" + path + ") are not supported by the KVM backend yet");
        }
        Path file = Path.of(path);
        if (Files.isDirectory(file)) {
            throw new HypervisorException(HypervisorException.Reason.INVALID_REQUEST,
                    "disk " + spec.id() + ": " + path + " is a directory, not a disk image");
        }
        try {
            return new FileDiskBackend(file, spec.readOnly());
        } catch (NoSuchFileException e) {
            throw new HypervisorException(HypervisorException.Reason.INVALID_REQUEST,
                    "disk " + spec.id() + ": image " + path + " does not exist", e);
        } catch (IOException e) {
            throw new HypervisorException(HypervisorException.Reason.HOST_ERROR,
                    "disk " + spec.id() + ": cannot open image " + path + ": " + e.getMessage(), e);
        }
    }
}
