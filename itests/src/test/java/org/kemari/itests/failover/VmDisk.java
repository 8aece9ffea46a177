package org.kemari.itests.failover;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The protected VM's disk in one {@link StorageMode}: the argument of {@code kemari:vm-start
 * --disk}, and the image file a verifier outside the VM reads for the node that runs it.
 */
final class VmDisk implements AutoCloseable {
    private final StorageMode mode;
    private final String argument;
    private final Path sharedImage;
    private final NbdServer nbd;

    private VmDisk(StorageMode mode, String argument, Path sharedImage, NbdServer nbd) {
        this.mode = mode;
        this.argument = argument;
        this.sharedImage = sharedImage;
        this.nbd = nbd;
    }

    /**
     * Makes an empty (zero) image of {@code bytes} for {@code vmName}: in the work directory (shared
     * file), behind an nbd-server on the switch's storage address (shared NBD), or on the first
     * primary's local disk (replicated; the standby gets its copy with the first epoch).
     */
    static VmDisk create(StorageMode mode, String vmName, long bytes, Path workDir, FailoverNetwork network, FailoverNode primary,
                         Path localDisks) throws IOException, InterruptedException {
        switch (mode) {
            case SHARED_FILE -> {
                Path image = zeroImage(workDir.resolve("shared").resolve(vmName + ".img"), bytes);
                return new VmDisk(mode, image.toString(), image, null);
            }
            case SHARED_NBD -> {
                Path dir = Files.createDirectories(workDir.resolve("storage"));
                Path image = zeroImage(dir.resolve(vmName + ".img"), bytes);
                NbdServer nbd = NbdServer.start(network.switchNamespace, network.storageAddress, vmName, image, dir);
                return new VmDisk(mode, nbd.uri(), image, nbd);
            }
            case REPLICATED -> {
                zeroImage(primary.ownDisks().resolve(vmName + ".img"), bytes);
                return new VmDisk(mode, "replicated:" + localDisks.resolve(vmName + ".img"), null, null);
            }
            default -> throw new IllegalArgumentException(mode.toString());
        }
    }

    /**
     * The lab's shared disk: {@code image} is every lab host's /dev/vdc (scripts/lab/host.sh
     * --shared-disk; made with {@link #zeroImage} before the hosts start), so the VM's disk is that
     * device on whichever host runs it.
     */
    static VmDisk labSharedDisk(Path image) {
        return new VmDisk(StorageMode.SHARED_FILE, LAB_DEVICE, image, null);
    }

    /**
     * The lab's replicated disk: each host's own image is its /dev/vdc (scripts/lab/host.sh
     * --own-disk, a file named {@link #LAB_DEVICE_NAME} in {@link FailoverNode#ownDisks()}), the
     * standby's copy is its own /dev/vdc (the same path), kept equal by the epoch stream.
     */
    static VmDisk labReplicatedDisk() {
        return new VmDisk(StorageMode.REPLICATED, "replicated:" + LAB_DEVICE, null, null);
    }

    /** The lab's extra disk as a host's kernel names it (its third virtio disk, after root and distribution). */
    static final String LAB_DEVICE_NAME = "vdc";
    static final String LAB_DEVICE = "/dev/" + LAB_DEVICE_NAME;

    /** A sparse all-zero image of {@code bytes} at {@code image} (made, or emptied). */
    static Path zeroImage(Path image, long bytes) throws IOException {
        Files.createDirectories(image.getParent());
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(0);
            f.setLength(bytes);
        }
        return image;
    }

    StorageMode mode() {
        return mode;
    }

    /** What {@code kemari:vm-start --disk} gets. */
    String argument() {
        return argument;
    }

    /** The image the VM uses while it runs on {@code node}, as seen from outside the nodes. */
    Path imageOn(FailoverNode node) {
        return sharedImage != null ? sharedImage : node.ownDisks().resolve(Path.of(argument).getFileName());
    }

    @Override
    public void close() throws InterruptedException {
        if (nbd != null) {
            nbd.close();
        }
    }
}
