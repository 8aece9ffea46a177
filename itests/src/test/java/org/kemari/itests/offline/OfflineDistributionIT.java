package org.kemari.itests.offline;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Test;
import org.kemari.itests.failover.Commands;
import org.kemari.itests.failover.ConfigFiles;
import org.kemari.itests.failover.Directories;

/**
 * The built distribution, copied to a host whose Maven repository is empty and that has no network,
 * boots with Kemari whole: {@code kemari:backends} answers over SSH and both MBeans are registered.
 * The node runs in a network namespace with only {@code lo}, with {@code user.home} pointing at an
 * empty folder (so no {@code ~/.m2}); the checks run from another JVM in that namespace.
 */
public class OfflineDistributionIT {
    private static final int PROBE_SECONDS = 180;

    private final String namespace = String.format("kmoff%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    private Path work;
    private Process karaf;
    private boolean passed;

    @After
    public void tearDown() throws Exception {
        if (karaf != null) {
            List<ProcessHandle> children = karaf.descendants().toList();
            karaf.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
            karaf.waitFor(30, TimeUnit.SECONDS);
        }
        Commands.tryRunQuietly("ip", "netns", "del", namespace);
        assertFalse("namespace " + namespace + " left behind", Commands.tryRunQuietly("ip", "netns", "list").contains(namespace));
        // After a failure the node's files stay, for its log.
        if (work != null && passed && !Boolean.getBoolean("kemari.keepRuntime")) {
            Directories.deleteTree(work);
        }
    }

    @Test(timeout = 300_000)
    public void bootsOfflineWithAnEmptyMavenRepository() throws Exception {
        assumeTrue("offline boot test skipped: needs root for a network namespace", "root".equals(System.getProperty("user.name")));
        assumeTrue("offline boot test skipped: needs the ip command with netns support (iproute2)", Commands.works("ip", "netns", "list"));
        Path assembly = Path.of(System.getProperty("kemari.assembly", ""));
        assumeTrue("offline boot test skipped: no distribution (kemari.assembly)", Files.isRegularFile(assembly));

        work = Files.createTempDirectory("kemari-offline");
        Path emptyHome = Files.createDirectories(work.resolve("home"));
        Path home = unpack(assembly, work);
        String user = "offline";
        String password = "off-" + UUID.randomUUID();
        ConfigFiles.set(home.resolve("etc/users.properties"), user, password + ",_g_:admingroup");
        // The operator chooses a checkpoint policy that no installed bundle has yet: the plugin below.
        ConfigFiles.set(home.resolve("etc/org.kemari.engine.cfg"), "checkpointPolicy.target", "(kemari.checkpoint=batching)");

        Commands.run("ip", "netns", "add", namespace);
        Commands.run("ip", "-n", namespace, "link", "set", "lo", "up");
        assertEquals("the namespace must have no link but lo", List.of("lo"), links());

        ProcessBuilder node = new ProcessBuilder("ip", "netns", "exec", namespace, home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("console.log").toFile());
        node.environment().put("KARAF_EXEC", "exec");
        node.environment().put("JAVA_HOME", System.getProperty("java.home"));
        node.environment().put("EXTRA_JAVA_OPTS", "-Duser.home=" + emptyHome);
        karaf = node.start();

        Commands.Result probe = probe(user, password, home);
        assertEquals("the node did not answer as it should offline (its log: " + home.resolve("data/log/karaf.log") + "):\n"
                + probe.output(), 0, probe.exitCode());
        // Metrics over remote JMX with the node's credentials (no protection yet: an empty table of the
        // documented columns), and a wrong password refused.
        assertTrue(probe.output(), probe.output().contains("METRICS org.kemari.ProtectionMetricsTable rows=0 columns=[ackLatencyMicros,"
                + " bytes, epochBytes, epochs, failovers, outputHoldMicros, outputsHeld, outputsReleased, pauseMicros, role, vm]"));
        assertTrue(probe.output(), probe.output().contains("JMX-WRONG-PASSWORD refused"));
        assertTrue(probe.output(), probe.output().contains("SSH-WRONG-PASSWORD refused"));
        // A plugin hot-deployed into the running node: the example policy's bundle dropped into
        // deploy/ is picked up, and the engine uses it, as its configuration asked.
        Path plugin = Path.of(System.getProperty("kemari.examplePlugin"));
        Files.copy(plugin, home.resolve("deploy").resolve(plugin.getFileName()));
        Commands.Result policies = probe(user, password, home, "kemari:policies", "^  \\* batching +kemari-example-policy ");
        assertEquals("the hot-deployed policy is not in use:\n" + policies.output(), 0, policies.exitCode());
        assertFalse(policies.output(), policies.output().contains("  * event-driven"));
        assertTrue(policies.output(), policies.output().contains("    event-driven     kemari-policy-checkpoint "));
        try (Stream<Path> files = Files.walk(emptyHome)) {
            assertEquals("the node must need no Maven repository", List.of(), files.filter(Files::isRegularFile).toList());
        }
        passed = true;
    }

    private static Path unpack(Path assembly, Path into) throws IOException {
        Commands.run("tar", "-xzf", assembly.toString(), "-C", into.toString());
        try (Stream<Path> top = Files.list(into)) {
            return top.filter(p -> p.getFileName().toString().startsWith("kemari-karaf")).findFirst()
                    .orElseThrow(() -> new IOException(assembly + " holds no kemari-karaf folder"));
        }
    }

    private List<String> links() throws IOException {
        List<String> names = new ArrayList<>();
        for (String line : Commands.run("ip", "-n", namespace, "-o", "link", "show").split("\n")) {
            String[] parts = line.split(":\\s+");
            if (parts.length > 1) {
                names.add(parts[1].replaceAll("@.*", ""));
            }
        }
        return names;
    }

    /**
     * Runs {@link OfflineProbe} in the node's namespace; it keeps trying until the node answers (with
     * {@code until}: a command and a pattern, until that command's output matches). Ends early, with
     * the log's errors, when the node reports that its boot features failed or it exits.
     */
    private Commands.Result probe(String user, String password, Path home, String... until) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace, java, "-Xmx64m", "-XX:TieredStopAtLevel=1",
                "-Dslf4j.internal.verbosity=ERROR", "-cp", System.getProperty("java.class.path"),
                OfflineProbe.class.getName(), user, password, String.valueOf(PROBE_SECONDS)));
        command.addAll(List.of(until));
        Path output = work.resolve("probe.out");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PROBE_SECONDS + 30L);
        while (!p.waitFor(1, TimeUnit.SECONDS)) {
            String errors = bootErrors(home);
            if (!errors.isEmpty() || !karaf.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                return new Commands.Result(-1, karaf.isAlive() ? "the node failed to boot:\n" + errors
                        : "the node exited with " + karaf.exitValue() + " (see " + work.resolve("console.log") + ")");
            }
        }
        return new Commands.Result(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    /** The ERROR lines of the node's log once it says its boot features failed, else "". */
    private static String bootErrors(Path home) {
        String log = karafLog(home);
        if (!log.contains("Error installing boot features")) {
            return "";
        }
        return String.join("\n", log.lines().filter(l -> l.contains("ERROR") || l.startsWith("Caused by")).limit(10).toList());
    }

    private static String karafLog(Path home) {
        try {
            return Files.readString(home.resolve("data/log/karaf.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no karaf.log: " + e.getMessage() + ")";
        }
    }
}
