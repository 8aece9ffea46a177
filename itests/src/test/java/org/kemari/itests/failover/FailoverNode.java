package org.kemari.itests.failover;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A Kemari node of the two-node scenario, as the tests and the demo drive it from outside: a Karaf
 * JVM in a host namespace of this machine ({@link KarafNode}) or a whole emulated host of the lab,
 * a QEMU machine with its own kernel, nested KVM and node ({@link LabHost}). Killing it is a power
 * cut; starting it again is the host coming back with nothing of its earlier life but its files.
 */
interface FailoverNode extends AutoCloseable {

    String name();

    /** host:port where this node listens as a standby (the argument of kemari:protect). */
    String standbyAddress();

    /** The node's SSH console, host:port. */
    String consoleAddress();

    /** The process whose death is the host's death (the Karaf JVM, or the host's QEMU), -1 when not running. */
    long pid();

    /** Where the node's files and logs are, as seen from outside. */
    Path home();

    /** The node's karaf.log as seen from outside. */
    Path log();

    /** One line that says what this node is and where (for the demo). */
    String describe();

    /** This host's local disk directory as seen from outside (replicated storage). */
    Path ownDisks();

    /** Starts the node from a clean installation and waits until its kemari commands answer. */
    void startFresh() throws IOException, InterruptedException;

    /** Starts a killed node again, as a host that lost power comes back, and waits until it answers. */
    void restartAfterKill() throws IOException, InterruptedException;

    /** Runs a shell command on this node; a failure carries the command's one-line error. */
    String execute(String command);

    /** Kills the node with SIGKILL: no shutdown, no goodbye on any link. */
    void kill() throws InterruptedException;

    /** The newest lines of the node's log, for failure messages. */
    default String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log(), StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    void close() throws InterruptedException;
}
