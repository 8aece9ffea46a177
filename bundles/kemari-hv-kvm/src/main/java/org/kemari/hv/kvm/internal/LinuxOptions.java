package org.kemari.hv.kvm.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;

/**
 * A Linux guest's boot options ({@code VmSpec.options}): {@value #CMDLINE} (the kernel command
 * line; the backend appends the virtio-mmio device announcements) and {@value #INITRD} (an
 * initramfs file, optional). Only read when the VM is created: a standby restores memory instead.
 */
record LinuxOptions(String cmdline, String initrdPath) {
    static final String CMDLINE = "kernel.cmdline";
    static final String INITRD = "kernel.initrd";
    static final String DEFAULT_CMDLINE = "console=ttyS0 quiet panic=-1 acpi=off pci=off";
    /** An initramfs larger than this is not a small guest's: refuse before reading it. */
    static final long MAX_INITRD_BYTES = 1L << 30;

    static LinuxOptions parse(Map<String, String> options) {
        return new LinuxOptions(options.getOrDefault(CMDLINE, DEFAULT_CMDLINE), options.get(INITRD));
    }

    /** The initramfs bytes, or none; INVALID_REQUEST naming the file when it cannot be used. */
    byte[] initrd() throws HypervisorException {
        if (initrdPath == null || initrdPath.isBlank()) {
            return new byte[0];
        }
        Path path = Path.of(initrdPath);
        try {
            long size = Files.size(path);
            if (size == 0 || size > MAX_INITRD_BYTES) {
                throw new HypervisorException(Reason.INVALID_REQUEST, "initrd " + path + " is " + size + " bytes; it must hold 1 byte to 1 GiB");
            }
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "initrd " + path + " does not exist");
        } catch (IOException e) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "cannot read initrd " + path + ": " + e, e);
        }
    }
}
