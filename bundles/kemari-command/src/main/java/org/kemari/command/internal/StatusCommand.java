package org.kemari.command.internal;

import java.io.PrintStream;
import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.kemari.api.management.ProtectionManager;
import org.kemari.api.management.ProtectionMetrics;
import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.management.StandbyListenerStatus;

/** {@code kemari:status}: protection of this node's VMs and the copies it keeps for others. */
@Command(scope = "kemari", name = "status", description = "Shows protection state, epochs, held output and pause times, as primary and as standby.")
@Service
public class StatusCommand implements Action {

    @Reference
    ProtectionManager protection;

    @Argument(index = 0, name = "vm", description = "Only this VM", required = false)
    @Completion(VmNameCompleter.class)
    String vm;

    @Option(name = "-v", aliases = "--verbose", description = "Also counters and percentiles of pauses, acknowledgement"
            + " latencies, epoch sizes and output hold times since protection started")
    boolean verbose;

    PrintStream out = System.out;

    @Override
    public Object execute() {
        List<ProtectionStatus> all = vm == null ? protection.list()
                : List.of(protection.status(vm).orElseThrow(() -> new IllegalArgumentException(
                        "VM " + vm + " is neither protected by this node nor kept here as a standby copy")));
        if (vm == null) {
            // A standby that does not listen protects nothing from the next reconnect on: say so first.
            StandbyListenerStatus listener = protection.standbyListener();
            if (listener.state() != StandbyListenerStatus.State.DISABLED) {
                out.println("Standby: " + listener.message()
                        + (listener.restarts() > 0 ? " (restarted " + listener.restarts() + " times)" : ""));
            }
        }
        if (all.isEmpty()) {
            out.println("Nothing is protected here (kemari:protect <vm> <standby host:port> starts protection).");
            return null;
        }
        String row = "%-14s %-8s %-13s %-22s %9s %9s %6s %10s %10s  %s%n";
        out.printf(row, "VM", "Role", "State", "Peer", "Committed", "Epochs", "Held", "Pause(µs)", "Median(µs)", "Message");
        for (ProtectionStatus s : all) {
            out.printf(row, s.vmName(), s.role().name().toLowerCase(), s.state().name().toLowerCase().replace('_', '-'),
                    s.peer(), s.committedEpoch(), s.epochs(), s.heldOutputs(), s.lastPauseMicros(), s.medianPauseMicros(),
                    s.message() + (s.checkpointPolicy().isEmpty() ? "" : " [" + s.checkpointPolicy() + "]"));
        }
        if (verbose) {
            for (ProtectionMetrics m : protection.metrics()) {
                if (vm == null || vm.equals(m.vmName())) {
                    MetricsFormatter.print(m, out);
                }
            }
        }
        return null;
    }
}
