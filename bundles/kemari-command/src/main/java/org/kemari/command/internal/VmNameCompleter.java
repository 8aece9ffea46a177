package org.kemari.command.internal;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.kemari.api.management.VmManager;

/** Completes the names of the VMs on this node. */
@Service
public class VmNameCompleter implements Completer {

    @Reference
    VmManager vms;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        List<String> names = vms.list().stream().map(vm -> vm.spec().name()).toList();
        return new StringsCompleter(names).complete(session, commandLine, candidates);
    }
}
