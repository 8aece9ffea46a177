package org.kemari.command.internal;

import java.io.PrintStream;

import org.kemari.api.management.Distribution;
import org.kemari.api.management.ProtectionMetrics;
import org.kemari.api.management.ProtectionStatus.Role;

/** The metrics block of {@code kemari:status -v}: counters in one line, a line per distribution. */
final class MetricsFormatter {
    private MetricsFormatter() {
    }

    static void print(ProtectionMetrics m, PrintStream out) {
        out.println();
        if (m.role() == Role.STANDBY) {
            out.printf("%s (standby): %d epochs committed, %s received, %s%n", m.vmName(), m.epochs(),
                    Sizes.human(m.bytes()), m.failovers() > 0 ? "taken over by this node" : "not taken over");
            return;
        }
        out.printf("%s (primary): %d epochs, %s sent, %d outputs held, %d released%n", m.vmName(), m.epochs(),
                Sizes.human(m.bytes()), m.outputsHeld(), m.outputsReleased());
        line(out, "pause (µs)", m.pauseMicros());
        line(out, "ack latency (µs)", m.ackLatencyMicros());
        line(out, "epoch size (bytes)", m.epochBytes());
        line(out, "output hold (µs)", m.outputHoldMicros());
    }

    private static void line(PrintStream out, String name, Distribution d) {
        if (d.count() == 0) {
            out.printf("  %-19s none yet%n", name);
            return;
        }
        out.printf("  %-19s p50 %d  p90 %d  p99 %d  max %d  (%d values)%n", name, d.p50(), d.p90(), d.p99(), d.max(), d.count());
    }
}
