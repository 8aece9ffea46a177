package org.kemari.command.internal;

import java.io.PrintStream;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.kemari.api.management.VmManager;

/** {@code kemari:vm-stop}: stops a VM and forgets it. */
@Command(scope = "kemari", name = "vm-stop", description = "Stops a VM on this node and releases its resources.")
@Service
public class VmStopCommand implements Action {

    @Reference
    VmManager vms;

    @Argument(index = 0, name = "name", description = "The VM to stop", required = true)
    @Completion(VmNameCompleter.class)
    String name;

    PrintStream out = System.out;

    @Override
    public Object execute() {
        vms.stop(name);
        out.println("VM " + name + " stopped.");
        return null;
    }
}
