package org.kemari.command.internal;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/** Derives stable, locally administered unicast MACs from a VM name, so a VM keeps its MAC across restarts. */
final class Macs {
    private Macs() {
    }

    static String derive(String vmName, int nicIndex) {
        CRC32C crc = new CRC32C();
        crc.update((vmName + "/" + nicIndex).getBytes(StandardCharsets.UTF_8));
        long v = crc.getValue();
        // 0x52 0x54: locally administered, unicast (the prefix QEMU uses too).
        return String.format("52:54:%02x:%02x:%02x:%02x", (v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
    }
}
