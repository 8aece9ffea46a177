package org.kemari.command.internal;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.kemari.api.management.BackendRegistry;

/** Completes installed backend names. */
@Service
public class BackendNameCompleter implements Completer {

    @Reference
    BackendRegistry registry;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter names = new StringsCompleter(registry.names());
        return names.complete(session, commandLine, candidates);
    }
}
