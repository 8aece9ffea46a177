package org.kemari.command.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * What {@code --disk} may name: an image file, or a block device (a SAN LUN, a logical volume, a
 * multipath device: how shared storage usually reaches a hypervisor host).
 */
final class DiskImagePaths {
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    private DiskImagePaths() {
    }

    /** Throws a one-line IllegalArgumentException unless {@code path} is a regular file or a block device. */
    static void check(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("--disk: no such file: " + path);
        }
        if (Files.isRegularFile(path) || isBlockDevice(path)) {
            return;
        }
        throw new IllegalArgumentException("--disk: " + path + " is " + (Files.isDirectory(path) ? "a directory" : "a special file")
                + ", not a disk image or a block device");
    }

    /** Throws a one-line IllegalArgumentException unless {@code path} is a readable regular file ({@code option} names it). */
    static void checkReadable(String option, Path path) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(option + ": " + (Files.exists(path) ? path + " is not a regular file" : "no such file: " + path));
        }
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException(option + ": " + path + " is not readable");
        }
    }

    static boolean isBlockDevice(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode");
            return (mode & S_IFMT) == S_IFBLK;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false; // no unix view: not a Linux host, no block devices to speak of
        }
    }
}
