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
import org.kemari.api.hv.BackendStatus;
import org.kemari.api.management.BackendRegistry;

/** {@code kemari:backends}: which hypervisor backends are usable on this host, and why. */
@Command(scope = "kemari", name = "backends", description = "Probes the hypervisor backends and tells whether each is usable on this host, and why.")
@Service
public class BackendsCommand implements Action {

    @Reference
    BackendRegistry registry;

    @Argument(index = 0, name = "backend", description = "Probe only this backend (e.g. kvm, xen)", required = false)
    @Completion(BackendNameCompleter.class)
    String backend;

    @Option(name = "-v", aliases = "--verbose", description = "Show every probe step")
    boolean verbose;

    PrintStream out = System.out;

    @Override
    public Object execute() {
        List<BackendStatus> statuses = backend == null ? registry.probeAll() : List.of(registry.probe(backend));
        out.print(BackendReportFormatter.format(statuses, verbose));
        return null;
    }
}
