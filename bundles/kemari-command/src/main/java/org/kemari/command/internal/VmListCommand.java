package org.kemari.command.internal;

import java.io.PrintStream;
import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.kemari.api.hv.Vm;
import org.kemari.api.management.VmManager;

/** {@code kemari:vm-list}: the VMs on this node with their state. */
@Command(scope = "kemari", name = "vm-list", description = "Lists the VMs on this node with their state.")
@Service
public class VmListCommand implements Action {

    @Reference
    VmManager vms;

    PrintStream out = System.out;

    @Override
    public Object execute() {
        List<Vm> all = vms.list();
        if (all.isEmpty()) {
            out.println("No VMs on this node (start one with kemari:vm-start).");
            return null;
        }
        String row = "%-16s %-7s %-8s %8s %5s  %s%n";
        out.printf(row, "Name", "Backend", "State", "Memory", "vCPUs", "Image / reason");
        for (Vm vm : all) {
            String detail = vm.failureReason().orElse(vm.spec().image());
            out.printf(row, vm.spec().name(), vm.backend(), vm.state().name().toLowerCase(),
                    (vm.spec().memoryBytes() >> 20) + "M", vm.spec().vcpus(), detail);
        }
        return null;
    }
}
