package org.kemari.hv.kvm.internal.virtio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.VmSpec.DiskSpec;
import org.kemari.hv.kvm.internal.nbd.NbdClient;
import org.kemari.hv.kvm.internal.nbd.NbdDiskBackend;
import org.kemari.hv.kvm.internal.nbd.NbdException;
import org.kemari.hv.kvm.internal.nbd.NbdUri;

/**
 * Opens the host side of a disk from its {@link DiskSpec}: an image file (shared, or
 * {@code replicated:} local to each node), or an {@code nbd://} export.
 */
public final class DiskBackends {
    /**
     * Connecting and negotiating an export; a server this slow would stall the guest anyway. The
     * system property {@value #NBD_CONNECT_TIMEOUT_PROPERTY} changes it for slower sites and hosts
     * (an emulated host of the lab negotiates in seconds).
     */
    static final int NBD_CONNECT_TIMEOUT_MILLIS = 5_000;
    static final String NBD_CONNECT_TIMEOUT_PROPERTY = "kemari.nbd.connectTimeoutMillis";
    /** One request's reply; beyond it the connection is given up and the guest sees I/O errors, not a hang. */
    static final int NBD_REQUEST_TIMEOUT_MILLIS = 30_000;

    private DiskBackends() {
    }

    public static DiskBackend open(DiskSpec spec) throws HypervisorException {
        String path = spec.path();
        if (NbdUri.isNbd(path)) {
            return openNbd(spec);
        }
        // A replicated disk is an image file on this node; the engine keeps the standby's copy equal.
        Path file = Path.of(spec.imagePath());
        if (Files.isDirectory(file)) {
            throw new HypervisorException(HypervisorException.Reason.INVALID_REQUEST,
                    "disk " + spec.id() + ": " + file + " is a directory, not a disk image");
        }
        try {
            // Shared storage is written through: a dead host's page cache must not hold a write
            // the standby's guest saw complete (FileDiskBackend).
            return new FileDiskBackend(file, spec.readOnly(), !spec.replicated());
        } catch (NoSuchFileException e) {
            throw new HypervisorException(HypervisorException.Reason.INVALID_REQUEST,
                    "disk " + spec.id() + ": image " + file + " does not exist", e);
        } catch (IOException e) {
            throw new HypervisorException(HypervisorException.Reason.HOST_ERROR,
                    "disk " + spec.id() + ": cannot open image " + file + ": " + e.getMessage(), e);
        }
    }

    private static DiskBackend openNbd(DiskSpec spec) throws HypervisorException {
        NbdUri uri;
        try {
            uri = NbdUri.parse(spec.path());
        } catch (IllegalArgumentException e) {
            throw new HypervisorException(HypervisorException.Reason.INVALID_REQUEST, "disk " + spec.id() + ": " + e.getMessage());
        }
        NbdClient client;
        try {
            client = NbdClient.connect(uri, Integer.getInteger(NBD_CONNECT_TIMEOUT_PROPERTY, NBD_CONNECT_TIMEOUT_MILLIS),
                    NBD_REQUEST_TIMEOUT_MILLIS);
        } catch (NbdException e) {
            HypervisorException.Reason reason = switch (e.reason()) {
                case UNKNOWN_EXPORT, NOT_NBD -> HypervisorException.Reason.INVALID_REQUEST;
                default -> HypervisorException.Reason.UNAVAILABLE;
            };
            throw new HypervisorException(reason, "disk " + spec.id() + ": " + e.getMessage(), e);
        }
        if (client.export().readOnly() && !spec.readOnly()) {
            client.close();
            throw new HypervisorException(HypervisorException.Reason.INVALID_REQUEST, "disk " + spec.id() + ": export '"
                    + uri.exportName() + "' of nbd-server " + uri.server()
                    + " is read-only, but the disk is writable (mark the disk read-only, or export it writable)");
        }
        if (client.export().sizeBytes() < 512) {
            client.close();
            throw new HypervisorException(HypervisorException.Reason.INVALID_REQUEST, "disk " + spec.id() + ": export '"
                    + uri.exportName() + "' of nbd-server " + uri.server() + " is smaller than one sector");
        }
        return new NbdDiskBackend(client, spec.readOnly());
    }
}
