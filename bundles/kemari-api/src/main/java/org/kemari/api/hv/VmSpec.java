package org.kemari.api.hv;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a VM is: the same spec is used to create it on the primary and to rebuild it on the
 * standby, so it holds only host-independent facts plus the names of host-side backends.
 *
 * @param name the VM's name, unique on a node
 * @param memoryBytes guest RAM size, a positive multiple of {@link GuestMemory#PAGE_SIZE}
 * @param vcpus number of virtual CPUs (at least 1)
 * @param image the guest image: {@value #TEST_GUEST} for the built-in test guest, or a file path
 * @param disks the guest's disks, in device order
 * @param nics the guest's network interfaces, in device order
 * @param options backend-specific options (e.g. the test guest's workload), never null
 */
public record VmSpec(String name, long memoryBytes, int vcpus, String image,
                     List<DiskSpec> disks, List<NicSpec> nics, Map<String, String> options) {

    /** The image name of the built-in test guest. */
    public static final String TEST_GUEST = "test-guest";

    public VmSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        if (name.isBlank()) {
            throw new IllegalArgumentException("VM name must not be blank");
        }
        if (memoryBytes <= 0 || memoryBytes % GuestMemory.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("memory must be a positive multiple of 4096 bytes, got " + memoryBytes);
        }
        if (vcpus < 1) {
            throw new IllegalArgumentException("a VM needs at least one vCPU, got " + vcpus);
        }
        disks = List.copyOf(disks);
        nics = List.copyOf(nics);
        options = Map.copyOf(options);
    }

    /**
     * A disk. {@code path} says where it is and, by its form, how it is protected:
     * <ul>
     * <li>a file path: an image on storage that both nodes reach under the same path (shared);
     * <li>{@code nbd://host:port/export}: an export of an NBD server that both nodes reach (shared);
     * <li>{@code replicated:/abs/path.img}: an image local to each node (replicated). The standby
     *     keeps its own copy, sent in full with the initial copy and then kept equal by carrying
     *     every write in the epoch that issued it; its copy is at the same path, or under the
     *     standby's configured root for replicated disks.
     * </ul>
     */
    public record DiskSpec(String id, String path, boolean readOnly) {
        /** The path prefix of a replicated disk. */
        public static final String REPLICATED_PREFIX = "replicated:";

        public DiskSpec {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(path, "path");
            if (path.startsWith(REPLICATED_PREFIX) && !path.startsWith("/", REPLICATED_PREFIX.length())) {
                throw new IllegalArgumentException("replicated disk '" + id + "' needs an absolute image path ("
                        + REPLICATED_PREFIX + "/path/to/image.img), got '" + path + "'");
            }
        }

        /** Whether each node keeps its own copy of this disk, kept equal through the epoch stream. */
        public boolean replicated() {
            return path.startsWith(REPLICATED_PREFIX);
        }

        /** The local image file of a replicated disk (the path without its prefix); for other disks, {@link #path()}. */
        public String imagePath() {
            return replicated() ? path.substring(REPLICATED_PREFIX.length()) : path;
        }

        /** This disk with its replicated image at {@code imagePath} instead (a standby's own copy). */
        public DiskSpec withReplicatedImage(String imagePath) {
            return new DiskSpec(id, REPLICATED_PREFIX + imagePath, readOnly);
        }
    }

    /** Whether any disk of the VM is replicated (the epoch stream then carries its writes). */
    public boolean hasReplicatedDisks() {
        return disks.stream().anyMatch(DiskSpec::replicated);
    }

    /**
     * A network interface: its MAC (six bytes as {@code aa:bb:cc:dd:ee:ff}) and its host-side
     * backend, e.g. {@code tap:kemari0} or {@code none}.
     */
    public record NicSpec(String id, String mac, String backend) {
        public NicSpec {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(mac, "mac");
            Objects.requireNonNull(backend, "backend");
            if (!mac.matches("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}")) {
                throw new IllegalArgumentException("MAC address must look like aa:bb:cc:dd:ee:ff, got '" + mac + "'");
            }
        }
    }
}
