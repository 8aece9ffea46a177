package org.kemari.command.internal;

import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.kemari.api.management.ProtectionException;
import org.kemari.api.management.ProtectionManager;
import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.transport.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kemari:protect}: starts protecting a running VM with a standby. The initial copy can take
 * minutes for a large guest: its progress is printed while it runs, or it runs in the background.
 */
@Command(scope = "kemari", name = "protect", description = "Protects a running VM: its state goes to the standby, its output waits for the standby.")
@Service
public class ProtectCommand implements Action {
    private static final Logger LOG = LoggerFactory.getLogger(ProtectCommand.class);

    @Reference
    ProtectionManager protection;

    @Argument(index = 0, name = "vm", description = "The VM to protect", required = true)
    @Completion(VmNameCompleter.class)
    String vm;

    @Argument(index = 1, name = "standby", description = "The standby node's replication address, host:port", required = true)
    String standby;

    @Option(name = "-b", aliases = "--background", description = "Return once the copy is under way; kemari:status shows its"
            + " progress, the log its end")
    boolean background;

    PrintStream out = System.out;
    /** How often the initial copy's progress is printed. */
    long progressEveryMillis = 2_000;
    /** How long a background protect is watched for an early failure (bad VM name, unreachable standby). */
    long earlyFailureMillis = 1_000;

    @Override
    public Object execute() throws Exception {
        Endpoint address = Endpoint.parse(standby);
        CompletableFuture<ProtectionStatus> copy = CompletableFuture.supplyAsync(() -> protect(address),
                r -> startThread("kemari-protect-" + vm, r));
        if (background) {
            ProtectionStatus done = awaitFor(copy, earlyFailureMillis);
            if (done != null) {
                reportProtected(done);
                return null;
            }
            copy.whenComplete((s, e) -> {
                if (e != null) {
                    LOG.error("kemari:protect {} {} (in the background) failed: {}", vm, address, cause(e).getMessage());
                } else {
                    LOG.info("kemari:protect {} {} (in the background): protected, initial copy committed", vm, address);
                }
            });
            out.println("Protecting VM " + vm + " with " + address + " in the background: kemari:status " + vm
                    + " shows the initial copy's progress; the log says when it is protected or why not");
            return null;
        }
        String lastShown = "";
        while (true) {
            ProtectionStatus done;
            try {
                done = awaitFor(copy, progressEveryMillis);
            } catch (InterruptedException e) {
                // Ctrl-C stops the waiting, not the copy: a half-made standby copy helps no one.
                out.println("The initial copy of VM " + vm + " goes on in the background (kemari:status " + vm
                        + " shows it; kemari:unprotect " + vm + " stops it)");
                return null;
            }
            if (done != null) {
                reportProtected(done);
                return null;
            }
            String now = protection.status(vm).filter(s -> s.state() == ProtectionStatus.State.SYNCHRONIZING)
                    .map(ProtectionStatus::message).orElse("");
            if (!now.isEmpty() && !now.equals(lastShown)) {
                out.println(now);
                lastShown = now;
            }
        }
    }

    private ProtectionStatus protect(Endpoint address) {
        try {
            return protection.protect(vm, address);
        } catch (ProtectionException e) {
            throw new CompletionException(e);
        }
    }

    /** The outcome if it came within {@code millis}, else null; a failure is thrown as the engine's exception. */
    private static ProtectionStatus awaitFor(CompletableFuture<ProtectionStatus> copy, long millis) throws Exception {
        try {
            return copy.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            Throwable c = cause(e);
            throw c instanceof Exception ex ? ex : new IllegalStateException(c);
        }
    }

    private static Throwable cause(Throwable e) {
        Throwable c = e;
        while ((c instanceof ExecutionException || c instanceof CompletionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    private void reportProtected(ProtectionStatus status) {
        out.println("VM " + vm + " is protected by " + status.peer() + " (initial copy committed; epoch "
                + status.committedEpoch() + ", final pause " + status.lastPauseMicros() + " µs)");
    }

    private static void startThread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }
}
