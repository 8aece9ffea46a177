package org.kemari.core.internal.engine;

import java.util.Locale;
import java.util.function.LongSupplier;

import org.kemari.api.hv.VmSpec;

/**
 * How far an initial copy has come, for kemari:status and kemari:protect: bytes on the link so far
 * against the guest's memory plus its replicated disks. The copy may send more than that (pages
 * dirtied during pre-copy go again, a backend's stream has its own framing), so the share stops at
 * 99 % until the standby has committed it.
 */
final class InitialCopyProgress {
    private final long expectedBytes;
    private final LongSupplier bytesSent;
    private final long startNanos;

    InitialCopyProgress(long expectedBytes, LongSupplier bytesSent, long startNanos) {
        this.expectedBytes = Math.max(1, expectedBytes);
        this.bytesSent = bytesSent;
        this.startNanos = startNanos;
    }

    /** The guest's memory and every replicated disk image, as far as their sizes can be read now. */
    static long expectedBytes(VmSpec spec) {
        long bytes = spec.memoryBytes();
        for (VmSpec.DiskSpec disk : spec.disks()) {
            if (disk.replicated()) {
                bytes += new java.io.File(disk.imagePath()).length();
            }
        }
        return bytes;
    }

    /** E.g. "initial copy: 40.0 of about 128.0 MiB sent (31 %), 52.1 MiB/s, about 2 s left". */
    String describe(long nowNanos) {
        long sent = bytesSent.getAsLong();
        double seconds = Math.max(1e-3, (nowNanos - startNanos) / 1e9);
        double rate = sent / seconds;
        long percent = Math.min(99, sent * 100 / expectedBytes);
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "initial copy: %.1f of about %.1f MiB sent (%d %%), %.1f MiB/s",
                mib(sent), mib(expectedBytes), percent, mib((long) rate)));
        if (sent > 0 && sent < expectedBytes) {
            b.append(", about ").append((long) Math.ceil((expectedBytes - sent) / rate)).append(" s left");
        }
        return b.toString();
    }

    private static double mib(long bytes) {
        return bytes / (double) (1 << 20);
    }
}
