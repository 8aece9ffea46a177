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

/** {@code kemari:unprotect}: ends protection; the VM runs on, the standby discards its copy. */
@Command(scope = "kemari", name = "unprotect", description = "Ends protection of a VM; it runs on unprotected and the standby discards its copy.")
@Service
public class UnprotectCommand implements Action {

    @Reference
    ProtectionManager protection;

    @Argument(index = 0, name = "vm", description = "The protected VM", required = true)
    @Completion(VmNameCompleter.class)
    String vm;

    PrintStream out = System.out;

    @Override
    public Object execute() throws ProtectionException {
        protection.unprotect(vm);
        out.println("VM " + vm + " is no longer protected.");
        return null;
    }
}
