package org.kemari.hv.kvm.internal;

import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the tests find the Linux guest that {@code guest/linux/build.sh} makes (Debian's kernel and
 * an initramfs with Redis): {@code -Dkemari.linuxGuest=DIR}, else {@code target/guest-linux} of the
 * checkout. Missing files fail the test with the command that makes them: never a skip.
 */
final class LinuxGuestFiles {
    private LinuxGuestFiles() {
    }

    static Path dir() {
        String configured = System.getProperty("kemari.linuxGuest");
        return configured != null ? Path.of(configured) : Path.of("..", "..", "target", "guest-linux").toAbsolutePath().normalize();
    }

    static Path kernel() {
        return require("vmlinuz");
    }

    static Path initrd() {
        return require("initrd.gz");
    }

    private static Path require(String name) {
        Path file = dir().resolve(name);
        assertTrue(file + " is missing: build the Linux guest first (bash guest/linux/build.sh)", Files.isRegularFile(file));
        return file;
    }
}
