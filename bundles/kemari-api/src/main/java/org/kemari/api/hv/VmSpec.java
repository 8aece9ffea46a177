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
     * A disk: {@code path} names the image on this host (a file, or an {@code nbd://host:port/export} URI
     * for shared storage).
     */
    public record DiskSpec(String id, String path, boolean readOnly) {
        public DiskSpec {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(path, "path");
        }
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
