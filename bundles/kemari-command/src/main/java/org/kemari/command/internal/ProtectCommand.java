package org.kemari.command.internal;

import java.io.PrintStream;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.kemari.api.management.ProtectionException;
import org.kemari.api.management.ProtectionManager;
import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.transport.Endpoint;

/** {@code kemari:protect}: starts protecting a running VM with a standby. */
@Command(scope = "kemari", name = "protect", description = "Protects a running VM: its state goes to the standby, its output waits for the standby.")
@Service
public class ProtectCommand implements Action {

    @Reference
    ProtectionManager protection;

    @Argument(index = 0, name = "vm", description = "The VM to protect", required = true)
    @Completion(VmNameCompleter.class)
    String vm;

    @Argument(index = 1, name = "standby", description = "The standby node's replication address, host:port", required = true)
    String standby;

    PrintStream out = System.out;

    @Override
    public Object execute() throws ProtectionException {
        Endpoint address = Endpoint.parse(standby);
        ProtectionStatus status = protection.protect(vm, address);
        out.println("VM " + vm + " is protected by " + status.peer() + " (initial copy committed; epoch "
                + status.committedEpoch() + ", final pause " + status.lastPauseMicros() + " µs)");
        return null;
    }
}
