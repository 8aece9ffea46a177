package org.kemari.itests.failover;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.kemari.guest.GuestDiskPattern;

/**
 * Two Kemari nodes of the real distribution on this machine, a protected test VM that writes to a
 * shared disk file and answers on the client network, and the client that watches it: the
 * scenario of the two-node failover test and of the demo. One node is the primary (runs the VM),
 * the other its standby; a failover swaps the roles.
 */
final class TwoNodeCluster implements AutoCloseable {
    /** The guest's disk writer cycles through this many 4 KiB blocks (sequential mode). */
    static final int DISK_BLOCKS = 256;
    private static final long TAKEOVER_TIMEOUT_MILLIS = 30_000;
    /** How long the client keeps watching after the new primary's first reply. */
    private static final long WATCH_AFTER_TAKEOVER_MILLIS = 300;

    final String vmName = String.format("ft%04x", ThreadLocalRandom.current().nextInt(1 << 16));
    final Path disk;
    final ClientNetwork network;
    private final Path workDir;
    private KarafNode primary;
    private KarafNode standby;
    private ProbeProcess probe;
    private int protectedFrom;
    private final Thread cleanupOnExit = new Thread(this::closeQuietly, "two-node-cleanup");

    private TwoNodeCluster(Path workDir, ClientNetwork network, KarafNode a, KarafNode b) {
        this.workDir = workDir;
        this.network = network;
        this.primary = a;
        this.standby = b;
        this.disk = workDir.resolve("shared-disk.img");
    }

    /** Builds the client network and starts nodes {@code a} (primary) and {@code b} (standby) side by side. */
    static TwoNodeCluster start(Path assembly, Path workDir) throws IOException, InterruptedException {
        // Nodes, logs and disk of an earlier run go: this run's are what a failure points at.
        Directories.deleteTree(workDir);
        Files.createDirectories(workDir);
        ClientNetwork network = ClientNetwork.create();
        Path nodes = workDir.resolve("nodes");
        TwoNodeCluster cluster = new TwoNodeCluster(workDir, network, new KarafNode("a", assembly, nodes),
                new KarafNode("b", assembly, nodes));
        // Ctrl-C or a killed Maven still removes nodes, client and network.
        Runtime.getRuntime().addShutdownHook(cluster.cleanupOnExit);
        try {
            cluster.startBothNodes();
            try (RandomAccessFile f = new RandomAccessFile(cluster.disk.toFile(), "rw")) {
                f.setLength(0);
                f.setLength(DISK_BLOCKS * (long) GuestDiskPattern.BLOCK_SIZE);
            }
            cluster.probe = ProbeProcess.start(network, workDir.resolve("probe.err"));
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private void startBothNodes() throws IOException, InterruptedException {
        CompletableFuture<Void> b = CompletableFuture.runAsync(() -> startUnchecked(standby));
        startUnchecked(primary);
        try {
            b.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    private static void startUnchecked(KarafNode node) {
        try {
            node.startFresh();
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(node.name() + ": interrupted while starting", e);
        }
    }

    KarafNode primary() {
        return primary;
    }

    KarafNode standby() {
        return standby;
    }

    ProbeProcess probe() {
        return probe;
    }

    /** The kemari:vm-start command for the test VM: disk writer and network responder, paced. */
    String vmStartCommand() {
        return "kemari:vm-start --memory 32M --workload disk,net --disk " + disk + " --nic tap:" + network.tap
                + " --ip " + network.guestAddress + " -o guest.disk-blocks=" + DISK_BLOCKS + " -o guest.pace-us=200 " + vmName;
    }

    /** Starts the VM on the primary (unprotected) and waits until it answers the client. */
    String startVm() throws InterruptedException {
        int from = probe.count();
        String out = primary.execute(vmStartCommand());
        if (probe.awaitReply(from, 0, 20_000) == null) {
            throw new AssertionError("VM " + vmName + " on " + primary.name() + " never answered the client's status requests;"
                    + " probe said " + probe.otherLines() + "\n" + primary.execute("kemari:vm-list"));
        }
        return out;
    }

    /**
     * Protects the VM from the primary with the standby and waits until released output reaches
     * the client again. Retried briefly while the standby is not yet listening.
     */
    String protect() throws InterruptedException {
        String command = "kemari:protect " + vmName + " " + standby.standbyAddress();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            try {
                String out = primary.execute(command);
                protectedFrom = probe.count();
                long now = StatusProbe.nowMicros();
                if (probe.awaitReply(protectedFrom, now, 10_000) == null) {
                    throw new AssertionError("no reply reached the client after protection started on " + primary.name()
                            + ":\n" + primary.execute("kemari:status"));
                }
                return out;
            } catch (ShellCommandException e) {
                boolean notListening = e.getMessage().contains("refused the connection");
                if (!notListening || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    /**
     * Kills the primary's JVM with SIGKILL, waits until the standby has taken over by itself and
     * the client hears from the VM again, then makes the survivor the primary. The killed node
     * stays down (see {@link #restartKilledNodeAsStandby()}).
     */
    Takeover killPrimary() throws InterruptedException {
        KarafNode victim = primary;
        KarafNode survivor = standby;
        long killMicros = StatusProbe.nowMicros();
        victim.kill();
        long killedMicros = StatusProbe.nowMicros();
        String when = "killed " + victim.name() + " at " + java.time.Instant.ofEpochSecond(0, killMicros * 1000)
                + ", its JVM was gone " + (killedMicros - killMicros) / 1000 + " ms later";
        long runningAtMicros = awaitRunningOn(survivor, when);
        StatusReply first = probe.awaitReply(protectedFrom, runningAtMicros, TAKEOVER_TIMEOUT_MILLIS);
        if (first == null) {
            throw new AssertionError("VM " + vmName + " runs on " + survivor.name() + " but no reply reached the client"
                    + " since; probe said " + probe.otherLines() + "\n" + survivor.execute("kemari:status"));
        }
        Thread.sleep(WATCH_AFTER_TAKEOVER_MILLIS);
        String status = survivor.execute("kemari:status");
        primary = survivor;
        standby = victim;
        FailoverObservation seen = new FailoverObservation(probe.since(protectedFrom), killMicros);
        return new Takeover(victim.name(), survivor.name(), seen, killedMicros - killMicros,
                runningAtMicros - killMicros, status);
    }

    /** Polls the survivor's kemari:vm-list until it shows the VM running; returns when (µs since the epoch). */
    private long awaitRunningOn(KarafNode survivor, String killed) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TAKEOVER_TIMEOUT_MILLIS);
        String list = "";
        while (System.nanoTime() < deadline) {
            list = survivor.execute("kemari:vm-list");
            if (vmState(list).equals("running")) {
                return StatusProbe.nowMicros();
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the standby " + survivor.name() + " did not take over VM " + vmName + " within "
                + TAKEOVER_TIMEOUT_MILLIS + " ms (" + killed + ").\nvm-list:\n" + list + "\nstatus:\n" + survivor.execute("kemari:status")
                + "\nlog:\n" + survivor.logTail(30));
    }

    /** The VM's state column in a kemari:vm-list output, or "" if it is not listed. */
    String vmState(String vmList) {
        for (String line : vmList.lines().toList()) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 3 && cols[0].equals(vmName)) {
                return cols[2];
            }
        }
        return "";
    }

    /** Starts the killed node again (see {@link KarafNode#restartAfterKill()}): it becomes the standby. */
    void restartKilledNodeAsStandby() throws IOException, InterruptedException {
        standby.restartAfterKill();
    }

    /**
     * Checks the shared disk against the newest reply: every write the client saw acknowledged is
     * there, intact. The VM may still be writing (see {@link GuestDiskPattern#verifySequentialWhileWritten}).
     */
    String verifyDiskWhileRunning() throws IOException {
        StatusReply latest = probe.latest();
        return GuestDiskPattern.verifySequentialWhileWritten(disk, DISK_BLOCKS, latest.diskWritesAcked());
    }

    /** Stops the VM on the primary, then checks the disk against the last reply the client got. */
    String stopVmAndVerifyDisk() throws IOException {
        primary.execute("kemari:vm-stop " + vmName);
        StatusReply latest = probe.latest();
        return GuestDiskPattern.verifySequential(disk, DISK_BLOCKS, latest.diskWritesAcked());
    }

    Path workDir() {
        return workDir;
    }

    /** Stops the client, kills both nodes, removes the network; the first problem is rethrown after all ran. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
        } catch (IllegalStateException e) {
            // Already shutting down: this is the hook itself.
        }
        Exception first = null;
        for (AutoCloseable c : new AutoCloseable[] {probe, primary, standby, network}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first instanceof IOException io) {
            throw io;
        }
        if (first instanceof InterruptedException ie) {
            throw ie;
        }
        if (first != null) {
            throw new IllegalStateException(first);
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException | InterruptedException | RuntimeException e) {
            System.err.println("two-node cleanup: " + e.getMessage());
        }
    }

    /**
     * One failover as measured.
     *
     * @param victim the killed node
     * @param survivor the node that took over
     * @param seen what the client saw
     * @param killMicros how long SIGKILL took until the JVM was reaped
     * @param runningAfterMicros from the kill until the survivor's vm-list showed the VM running
     * @param survivorStatus the survivor's kemari:status afterwards
     */
    record Takeover(String victim, String survivor, FailoverObservation seen, long killMicros, long runningAfterMicros,
                    String survivorStatus) {

        /** The survivor's own account: "took over at epoch N (...) in X ms". */
        String takeoverMessage() {
            return survivorStatus.lines().filter(l -> l.contains("took over")).map(l -> l.substring(l.indexOf("took over")).trim())
                    .findFirst().orElse("(no takeover message in kemari:status)");
        }
    }
}
