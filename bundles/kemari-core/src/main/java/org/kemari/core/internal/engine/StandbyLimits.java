package org.kemari.core.internal.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.kemari.api.hv.VmSpec;
import org.kemari.core.internal.standby.StandbyRefusal;
import org.kemari.core.internal.stream.RefuseReason;

/**
 * What a standby lets a peer claim in its VM_SPEC, checked before it reserves anything for the VM:
 * a peer could otherwise name any size and count, and the standby would try to keep it.
 *
 * @param maxGuestMemoryBytes the largest guest memory taken
 * @param maxVcpus the most vCPUs taken
 * @param maxDisks the most disks taken
 * @param maxNics the most NICs taken
 */
public record StandbyLimits(long maxGuestMemoryBytes, int maxVcpus, int maxDisks, int maxNics) {
    static final int DEFAULT_MAX_VCPUS = 256;
    static final int DEFAULT_MAX_DISKS = 16;
    static final int DEFAULT_MAX_NICS = 16;

    public StandbyLimits {
        if (maxGuestMemoryBytes < 1 << 20) {
            throw new IllegalArgumentException("standby.maxGuestMemoryMiB must be at least 1, got " + (maxGuestMemoryBytes >> 20));
        }
        check("standby.maxVcpus", maxVcpus, 1, 4096);
        check("standby.maxDisks", maxDisks, 0, 1024);
        check("standby.maxNics", maxNics, 0, 1024);
    }

    /** The defaults: guest memory up to this host's physical RAM. */
    public static StandbyLimits defaults() {
        return Defaults.VALUE;
    }

    private static final class Defaults {
        static final StandbyLimits VALUE = new StandbyLimits(physicalMemoryBytes(), DEFAULT_MAX_VCPUS, DEFAULT_MAX_DISKS,
                DEFAULT_MAX_NICS);
    }

    /** From configuration; a memory limit of 0 means this host's physical RAM. */
    static StandbyLimits of(long maxGuestMemoryMiB, int maxVcpus, int maxDisks, int maxNics) {
        if (maxGuestMemoryMiB < 0 || maxGuestMemoryMiB > (Long.MAX_VALUE >> 20)) {
            throw new IllegalArgumentException("standby.maxGuestMemoryMiB must be 0 (this host's RAM) or positive, got "
                    + maxGuestMemoryMiB);
        }
        long memory = maxGuestMemoryMiB == 0 ? physicalMemoryBytes() : maxGuestMemoryMiB << 20;
        return new StandbyLimits(memory, maxVcpus, maxDisks, maxNics);
    }

    /** Refuses a spec that claims more than these limits allow. */
    void check(VmSpec spec) throws StandbyRefusal {
        if (spec.memoryBytes() > maxGuestMemoryBytes) {
            refuse(spec, (spec.memoryBytes() >> 20) + " MiB of memory", "standby.maxGuestMemoryMiB=" + (maxGuestMemoryBytes >> 20));
        }
        if (spec.vcpus() > maxVcpus) {
            refuse(spec, spec.vcpus() + " vCPUs", "standby.maxVcpus=" + maxVcpus);
        }
        if (spec.disks().size() > maxDisks) {
            refuse(spec, spec.disks().size() + " disks", "standby.maxDisks=" + maxDisks);
        }
        if (spec.nics().size() > maxNics) {
            refuse(spec, spec.nics().size() + " NICs", "standby.maxNics=" + maxNics);
        }
    }

    private static void refuse(VmSpec spec, String claim, String limit) throws StandbyRefusal {
        throw new StandbyRefusal(RefuseReason.STANDBY_FAILURE, "VM '" + spec.name() + "' has " + claim
                + ", more than this standby takes (" + limit + ")");
    }

    /** MemTotal of /proc/meminfo (read directly: com.sun.management is not a package every OSGi framework exports). */
    private static long physicalMemoryBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        // Not knowable here: a cap that still keeps a peer from claiming the address space.
        return 64L << 30;
    }

    private static void check(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(key + " must be in " + min + ".." + max + ", got " + value);
        }
    }
}
