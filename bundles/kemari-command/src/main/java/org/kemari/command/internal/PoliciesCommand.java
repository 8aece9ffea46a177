package org.kemari.command.internal;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.kemari.api.management.EngineChoices;
import org.kemari.api.management.ProtectionManager;
import org.kemari.api.policy.CheckpointPolicy;
import org.kemari.api.policy.FailoverPolicy;
import org.kemari.api.transport.Transport;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * {@code kemari:policies}: the installed transports and policies, from which bundle each comes
 * (plugins dropped into {@code deploy/} included), and which ones the engine uses now.
 */
@Command(scope = "kemari", name = "policies", description = "Lists the installed transports, checkpoint and failover policies"
        + " (with their bundles) and marks with * the ones the engine uses.")
@Service
public class PoliciesCommand implements Action {

    @Reference
    ProtectionManager protection;

    @Reference
    BundleContext context;

    PrintStream out = System.out;

    /** One installed service: its name and the bundle it comes from. */
    record Installed(String name, String bundle) {
    }

    @Override
    public Object execute() throws InvalidSyntaxException {
        EngineChoices used = protection.choices();
        section("Transports (transport.target chooses)", installed(Transport.class, Transport.NAME_PROPERTY), used.transport());
        section("Checkpoint policies (checkpointPolicy.target chooses)",
                installed(CheckpointPolicy.class, CheckpointPolicy.NAME_PROPERTY), used.checkpointPolicy());
        section("Failover policies (failoverPolicy.target chooses)",
                installed(FailoverPolicy.class, FailoverPolicy.NAME_PROPERTY), used.failoverPolicy());
        return null;
    }

    void section(String title, List<Installed> all, String inUse) {
        out.println(title + ":");
        if (all.isEmpty()) {
            out.println("  (none installed)");
        }
        for (Installed i : all) {
            out.printf("  %s %-16s %s%n", i.name().equals(inUse) ? "*" : " ", i.name(), i.bundle());
        }
    }

    private <T> List<Installed> installed(Class<T> type, String nameProperty) throws InvalidSyntaxException {
        Collection<ServiceReference<T>> refs = context.getServiceReferences(type, null);
        List<Installed> all = new ArrayList<>();
        for (ServiceReference<T> r : refs) {
            Object name = r.getProperty(nameProperty);
            all.add(new Installed(name == null ? "(no " + nameProperty + ")" : name.toString(),
                    r.getBundle() == null ? "" : r.getBundle().getSymbolicName() + " " + r.getBundle().getVersion()));
        }
        all.sort(java.util.Comparator.comparing(Installed::name));
        return all;
    }
}
