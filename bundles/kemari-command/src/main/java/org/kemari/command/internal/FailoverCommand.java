package org.kemari.command.internal;

import java.io.PrintStream;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.kemari.api.management.ProtectionException;
import org.kemari.api.management.ProtectionManager;
import org.kemari.api.management.ProtectionStatus;

/** {@code kemari:failover}: on the standby, takes over a VM now from its last committed epoch. */
@Command(scope = "kemari", name = "failover", description = "On the standby: runs the VM here from its last committed epoch (the operator's decision).")
@Service
public class FailoverCommand implements Action {

    @Reference
    ProtectionManager protection;

    @Argument(index = 0, name = "vm", description = "The VM this node is the standby of", required = true)
    String vm;

    PrintStream out = System.out;

    @Override
    public Object execute() throws ProtectionException {
        ProtectionStatus status = protection.failover(vm);
        if (status.state() != ProtectionStatus.State.FAILED_OVER) {
            throw new IllegalStateException("failover of " + vm + " did not complete: " + status.message());
        }
        out.println("VM " + vm + " " + status.message());
        return null;
    }
}
