package org.kemari.itests.failover;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** A host losing power: SIGKILL to the process that is the host (a Karaf JVM, a QEMU) and to all it started. */
final class PowerCut {
    private PowerCut() {
    }

    /**
     * Kills {@code process} and its descendants (listed first, so none is orphaned unkilled) and
     * waits until it is reaped.
     *
     * @param what what the process is, for the error, e.g. "a: QEMU"
     * @throws IllegalStateException if it is still there 30 s later
     */
    static void kill(Process process, String what) throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(what + " (pid " + process.pid() + ") survived SIGKILL for 30 s");
        }
    }
}
