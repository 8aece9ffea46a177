package org.kemari.itests.failover;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One emulated host of the lab (docs/lab.md): a QEMU machine with its own kernel, nested KVM and a
 * Kemari node, started by {@code scripts/lab/host.sh} in the switch namespace of a lab
 * {@link FailoverNetwork} with its two NICs on that network's bridges. The script execs QEMU, so
 * the process this object holds is the machine: SIGKILL to it is the host losing power. A host
 * that comes back boots again, or is restored from the save the script made of its first life.
 * Its work folder keeps the box's console ({@code console.log}) and the node's {@code karaf.log}
 * across lives.
 */
final class LabHost implements FailoverNode {
    private static final String USER = "failover";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);
    /** The first life may build the host image and boot; later ones restore a save (docs/lab.md). */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(Long.getLong("kemari.lab.readySeconds", 1200));
    /**
     * Settings for a node on an emulated host, whose JVM runs several times slower than on this
     * machine and can stall for hundreds of ms (docs/lab.md): the defaults' 200 ms takeover and
     * 1 s standby silence would make false takeovers and lost standbys during the initial copy.
     */
    private static final List<String> LAB_SETTINGS = List.of(
            "org.kemari.policy.failover.heartbeat/timeoutMillis=" + Integer.getInteger("kemari.lab.heartbeatMillis", 2000),
            "org.kemari.engine/standbySilenceMillis=" + Integer.getInteger("kemari.lab.silenceMillis", 5000),
            "org.kemari.transport.tcp/heartbeat.interval.ms=100");
    private static final int SSH_PORT = 8101;

    private final FailoverNetwork network;
    private final String name;
    private final Path assembly;
    private final Path work;
    private final String password = "lab-" + UUID.randomUUID();
    private final List<String> extraArgs;
    private static boolean prepared;
    private Process qemu;
    private KarafShell shell;
    private int lives;

    LabHost(FailoverNetwork network, String name, Path assembly, Path work) {
        this(network, name, assembly, work, List.of());
    }

    /** @param extraArgs more options for scripts/lab/host.sh (e.g. "--mem", "64"), for the failure-path tests */
    LabHost(FailoverNetwork network, String name, Path assembly, Path work, List<String> extraArgs) {
        this.network = network;
        this.name = name;
        this.assembly = assembly;
        this.work = work;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /**
     * Whether the tests' nodes run on lab hosts: this machine has no usable /dev/kvm, or
     * {@code -Dkemari.lab=true} asks for the lab anyway.
     */
    static boolean standsIn() {
        return Boolean.getBoolean("kemari.lab") || !Files.isWritable(Path.of("/dev/kvm"));
    }

    @Override
    public String name() {
        return name;
    }

    private String address() {
        return network.host(name).address();
    }

    @Override
    public String standbyAddress() {
        return address() + ":" + KarafNode.STANDBY_PORT;
    }

    @Override
    public String consoleAddress() {
        return address() + ":" + SSH_PORT;
    }

    @Override
    public long pid() {
        return qemu == null ? -1 : qemu.pid();
    }

    @Override
    public Path home() {
        return work;
    }

    @Override
    public Path log() {
        return work.resolve("karaf.log");
    }

    private Path console() {
        return work.resolve("console.log");
    }

    @Override
    public String describe() {
        FailoverNetwork.LabWiring w = network.labWiring(name);
        return String.format("an emulated machine (QEMU pid %d, its own kernel, nested KVM), replication NIC %s on TAP %s,"
                + " service NIC on TAP %s (bridged to the VM's TAP %s inside it); console %s, standby listener %s; logs in %s",
                pid(), w.replicationAddress(), w.replicationTap(), w.serviceTap(), network.tap, consoleAddress(), standbyAddress(), work);
    }

    /** The folder of this host's own disk image (its /dev/vdc), when it was given one (host.sh --own-disk). */
    @Override
    public Path ownDisks() {
        int i = extraArgs.indexOf("--own-disk");
        if (i < 0 || i + 1 >= extraArgs.size()) {
            throw new UnsupportedOperationException(name + " is an emulated host started without --own-disk: its local"
                    + " disks are inside the machine");
        }
        return Path.of(extraArgs.get(i + 1)).getParent();
    }

    @Override
    public void startFresh() throws IOException, InterruptedException {
        Directories.deleteTree(work);
        start();
    }

    @Override
    public void restartAfterKill() throws IOException, InterruptedException {
        start();
    }

    private void start() throws IOException, InterruptedException {
        if (qemu != null && qemu.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        prepare(work.getParent());
        if (!FailoverNetwork.namespaceExists(network.switchNamespace)) {
            throw new IOException(name + ": the lab's namespace '" + network.switchNamespace + "' does not exist; the host was not started");
        }
        Files.createDirectories(work);
        lives++;
        Path out = work.resolve("life-" + lives + ".out");
        FailoverNetwork.LabWiring w = network.labWiring(name);
        List<String> command = new ArrayList<>(List.of("bash", script().toString(), "--name", name, "--work", work.toString(),
                "--dist", assembly.toAbsolutePath().toString(), "--repl-tap", w.replicationTap(), "--repl", w.replicationAddress(),
                "--svc-tap", w.serviceTap(), "--svc", w.serviceAddress(), "--vm-tap", network.tap, "--user", USER,
                "--password", password));
        for (String setting : LAB_SETTINGS) {
            command.addAll(List.of("--cfg", setting));
        }
        command.addAll(extraArgs);
        qemu = new ProcessBuilder(FailoverNetwork.inNamespace(network.switchNamespace, command))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        awaitReady(out);
        shell = new KarafShell(name, address(), SSH_PORT, USER, password);
        awaitCommands();
    }

    /**
     * Waits for the script's READY line; a failure line, QEMU's exit or the timeout end it with the
     * reason. The box's progress lines ({@code LAB-...}) are passed on, and a line every 30 s says
     * that the host is still starting.
     */
    private void awaitReady(Path out) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + READY_TIMEOUT.toNanos();
        long nextNote = start + TimeUnit.SECONDS.toNanos(30);
        int shown = 0;
        String ready = "LAB-HOST " + name + " READY";
        while (System.nanoTime() < deadline) {
            List<String> lines = Files.exists(out) ? Files.readAllLines(out, StandardCharsets.ISO_8859_1) : List.of();
            for (String line : lines.subList(Math.min(shown, lines.size()), lines.size())) {
                if (line.startsWith("LAB-") || line.startsWith("lab-host")) {
                    System.out.println("  [host " + name + "] " + line.strip());
                }
                if (line.startsWith(ready)) {
                    return;
                }
                if (line.contains("LAB-HOST " + name + " NODE-FAILED") || line.startsWith("lab-host " + name + ": FAIL")) {
                    kill();
                    throw new IOException(name + ": " + line.strip() + " (box console: " + console() + ", node log: " + log() + ")");
                }
            }
            shown = lines.size();
            if (!qemu.isAlive()) {
                throw new IOException(name + ": the host stopped (exit " + qemu.exitValue() + ") before its node was ready;"
                        + " box console: " + console() + ", script output: " + out);
            }
            if (System.nanoTime() > nextNote) {
                System.out.printf("  [host %s] still starting after %d s%n", name, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
                nextNote += TimeUnit.SECONDS.toNanos(30);
            }
            Thread.sleep(500);
        }
        kill();
        throw new IOException(name + ": the host's node was not ready within " + READY_TIMEOUT.toSeconds() + " s (box console: "
                + console() + ")");
    }

    /** SSH answers at READY; the kemari commands may take a moment longer to be registered. */
    private void awaitCommands() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                shell.execute("kemari:vm-list", COMMAND_TIMEOUT);
                return;
            } catch (ShellCommandException e) {
                last = e.getMessage();
            }
            Thread.sleep(500);
        }
        throw new IOException(name + ": the kemari commands did not answer (" + last + "); see " + log());
    }

    /**
     * Installs the lab's QEMU and builds the host image once per JVM, from this namespace: the
     * hosts' script runs in the lab's namespace, which reaches no package mirror. Both steps are
     * cached (seconds when done already).
     */
    private static synchronized void prepare(Path logDir) throws IOException, InterruptedException {
        if (prepared) {
            return;
        }
        Path lab = script().getParent();
        Files.createDirectories(logDir);
        for (String step : List.of("setup.sh", "image.sh")) {
            Path log = logDir.resolve("lab-" + step.replace(".sh", "") + ".log");
            Process p = new ProcessBuilder("bash", lab.resolve(step).toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
                String last = lines.stream().filter(l -> l.contains("FAIL")).findFirst()
                        .orElse(lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1));
                throw new IOException("the lab could not be prepared: scripts/lab/" + step + " failed: " + last.strip() + " (log: " + log + ")");
            }
        }
        prepared = true;
    }

    /** Where scripts/lab/host.sh is: {@code kemari.home} or the nearest folder above this one that has it. */
    static Path script() throws IOException {
        String home = System.getProperty("kemari.home");
        Path dir = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve("scripts/lab/host.sh");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IOException("scripts/lab/host.sh not found from " + dir + " (set -Dkemari.home to the checkout)");
    }

    @Override
    public String execute(String command) {
        if (shell == null) {
            throw new IllegalStateException(name + " is not running");
        }
        return shell.execute(command, COMMAND_TIMEOUT);
    }

    @Override
    public void kill() throws InterruptedException {
        Process p = qemu;
        if (p == null) {
            return;
        }
        PowerCut.kill(p, name + ": QEMU");
        if (shell != null) {
            shell.close();
            shell = null;
        }
        qemu = null;
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
