package org.kemari.itests.failover;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * One Kemari node: the real distribution unpacked into {@code <nodesDir>/<name>}, run by
 * {@code bin/karaf server} as a child process of this JVM inside its host's network namespace
 * (docs/test-topology.md). Its console listens on the host's management address, its standby
 * listener on the host's address on the switch. It runs in a mount namespace of its own too,
 * where {@code localDisks} shows this host's own directory ({@code <nodesDir>/<name>.disks}):
 * each host has a local disk at the same path, as replicated storage needs. It can be killed
 * like a host that loses power (SIGKILL to the Karaf JVM) and started again.
 */
final class KarafNode implements FailoverNode {
    private static final String USER = "failover";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    /** Every node's standby listener port (each host has its own port space). */
    static final int STANDBY_PORT = 7788;
    private static final int SSH_PORT = 8101;

    private final String name;
    private final FailoverNetwork.Host host;
    private final Path assembly;
    private final Path home;
    private final Path localDisks;
    private final Path ownDisks;
    private final String password = "ft-" + UUID.randomUUID();
    private Process karaf;
    private KarafShell shell;
    private int lives;

    /**
     * @param host the machine this node runs on
     * @param localDisks where every node sees its own host's local disk directory (an existing, empty directory)
     */
    KarafNode(FailoverNetwork.Host host, Path assembly, Path nodesDir, Path localDisks) {
        this.name = host.name();
        this.host = host;
        this.assembly = assembly;
        this.home = nodesDir.resolve(name);
        this.localDisks = localDisks;
        this.ownDisks = nodesDir.resolve(name + ".disks");
    }

    @Override
    public String name() {
        return name;
    }

    /** host:port where this node listens as a standby (the argument of kemari:protect). */
    @Override
    public String standbyAddress() {
        return host.address() + ":" + STANDBY_PORT;
    }

    @Override
    public String describe() {
        return String.format("namespace %s, address %s (replication listener %s), console %s; node pid %d, files in %s",
                host.namespace(), host.address(), standbyAddress(), consoleAddress(), pid(), home);
    }

    FailoverNetwork.Host host() {
        return host;
    }

    /** This host's local disk directory as seen from outside (the node sees it at {@code localDisks}). */
    @Override
    public Path ownDisks() {
        return ownDisks;
    }

    /** The Karaf JVM's process id (the script execs it), or -1 when not running. */
    @Override
    public long pid() {
        return karaf == null ? -1 : karaf.pid();
    }

    /** The node's SSH console: host:port on the management link. */
    @Override
    public String consoleAddress() {
        return host.managementAddress() + ":" + SSH_PORT;
    }

    @Override
    public Path home() {
        return home;
    }

    @Override
    public Path log() {
        return home.resolve("data/log/karaf.log");
    }

    boolean isRunning() {
        return karaf != null && karaf.isAlive();
    }

    /**
     * Unpacks a clean copy of the distribution (replacing any earlier one) and starts it.
     *
     * @throws IOException if the host's namespace is missing (before anything is made) or the node does not come up
     */
    @Override
    public void startFresh() throws IOException, InterruptedException {
        if (isRunning()) {
            throw new IllegalStateException(name + " is running");
        }
        requireNamespace();
        lives++;
        Directories.deleteTree(home);
        Directories.deleteTree(ownDisks);
        Files.createDirectories(ownDisks);
        unpack();
        configure();
        launch();
        awaitReady();
    }

    /**
     * Starts a killed node again as a host would come back after losing power: same installation
     * and OSGi bundle cache (a warm start, seconds faster than a fresh unpack), but nothing of
     * Kemari's from its earlier life: no VMs (they died with the JVM), no standby images, new
     * ports. The earlier life's log is kept as {@code logs/<name>-<life>.log} beside the nodes.
     */
    @Override
    public void restartAfterKill() throws IOException, InterruptedException {
        if (isRunning()) {
            throw new IllegalStateException(name + " is running");
        }
        Path logs = Files.createDirectories(home.resolveSibling("logs"));
        if (Files.exists(log())) {
            Files.move(log(), logs.resolve(name + "-" + lives + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        requireNamespace();
        lives++;
        Directories.deleteTree(home.resolve("data/kemari"));
        Directories.deleteTree(home.resolve("data/tmp"));
        configure();
        launch();
        awaitReady();
    }

    private void requireNamespace() throws IOException {
        if (!FailoverNetwork.namespaceExists(host.namespace())) {
            throw new IOException(name + ": network namespace '" + host.namespace() + "' does not exist (ip netns list);"
                    + " the node was not started");
        }
    }

    private void unpack() throws IOException {
        Path parent = home.getParent();
        Files.createDirectories(parent);
        Path staging = Files.createTempDirectory(parent, name + ".unpack");
        Commands.run("tar", "-xzf", assembly.toString(), "-C", staging.toString());
        try (Stream<Path> top = Files.list(staging)) {
            Path unpacked = top.findFirst().orElseThrow(() -> new IOException(assembly + " is empty"));
            Files.move(unpacked, home);
        }
        Files.delete(staging);
    }

    private void configure() throws IOException {
        Path etc = home.resolve("etc");
        // The console on the management link; JMX stays on the namespace's own loopback.
        ConfigFiles.set(etc.resolve("org.apache.karaf.shell.cfg"), "sshHost", host.managementAddress());
        ConfigFiles.set(etc.resolve("org.apache.karaf.shell.cfg"), "sshPort", String.valueOf(SSH_PORT));
        ConfigFiles.set(etc.resolve("org.kemari.engine.cfg"), "standby.listen", standbyAddress());
        // Take over 200 ms after the primary falls silent (a killed primary's link also drops at once).
        ConfigFiles.set(etc.resolve("org.kemari.policy.failover.heartbeat.cfg"), "timeoutMillis", "200");
        // A console user for this test only, with a password nobody else knows.
        ConfigFiles.set(etc.resolve("users.properties"), USER, password + ",_g_:admingroup");
    }

    private void launch() throws IOException {
        // ip netns exec, unshare and sh all exec, so the child is Karaf's JVM itself (see below).
        // The private mount namespace shows this host's own disk directory at localDisks.
        List<String> command = FailoverNetwork.inNamespace(host.namespace(), List.of("unshare", "--mount",
                "--propagation", "private", "--", "sh", "-c", "mount --bind \"$1\" \"$2\" && exec \"$3\" server", "sh",
                ownDisks.toString(), localDisks.toString(), home.resolve("bin/karaf").toString()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("console.log").toFile());
        // The script execs the JVM, so the child is Karaf itself and SIGKILL reaches it directly.
        pb.environment().put("KARAF_EXEC", "exec");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        karaf = pb.start();
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!karaf.isAlive()) {
                throw new IOException(name + ": Karaf exited with " + karaf.exitValue() + " while starting; see " + home.resolve("console.log"));
            }
            try {
                if (shell == null) {
                    shell = new KarafShell(name, host.managementAddress(), SSH_PORT, USER, password);
                }
                shell.execute("kemari:vm-list", COMMAND_TIMEOUT);
                return;
            } catch (ShellCommandException e) {
                last = e.getMessage();
            }
            Thread.sleep(200);
        }
        throw new IOException(name + ": the kemari commands did not answer within " + READY_TIMEOUT + " (" + last + "); see " + log());
    }

    /** Runs a shell command on this node; a failure carries the command's one-line error. */
    @Override
    public String execute(String command) {
        if (shell == null) {
            throw new IllegalStateException(name + " is not running");
        }
        return shell.execute(command, COMMAND_TIMEOUT);
    }

    /** Kills the Karaf JVM with SIGKILL, as a power failure would: no shutdown hook, no goodbye on any link. */
    @Override
    public void kill() throws InterruptedException {
        Process p = karaf;
        if (p == null) {
            return;
        }
        PowerCut.kill(p, name + ": the Karaf JVM");
        closeShell();
        karaf = null;
    }

    private void closeShell() {
        if (shell != null) {
            shell.close();
            shell = null;
        }
    }

    /** Kills the node if it runs (tests end with nothing left behind; the unpacked copy stays for its logs). */
    @Override
    public void close() throws InterruptedException {
        closeShell();
        kill();
    }
}
