package org.kemari.itests.failover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Two Kemari nodes of the real distribution, each in its own host namespace of a
 * {@link FailoverNetwork}, a test VM with a disk in one {@link StorageMode}, and a client of the VM
 * in the client namespace: the scenario of the two-node failover tests and of the demo. One node
 * is the primary (runs the VM), the other its standby; a failover swaps the roles.
 */
final class TwoNodeCluster implements AutoCloseable {
    private static final long TAKEOVER_TIMEOUT_MILLIS = 30_000;
    /** Emulated hosts take over in 5-15 s on a quiet machine (docs/benchmarks.md, "Lab"); room for a loaded one. */
    private static final long LAB_TAKEOVER_TIMEOUT_MILLIS = 120_000;
    /** How long the client keeps being watched after the new primary's first answer. */
    private static final long WATCH_AFTER_TAKEOVER_MILLIS = 300;

    final String vmName = String.format("ft%04x", ThreadLocalRandom.current().nextInt(1 << 16));
    final FailoverNetwork network;
    private final Path workDir;
    /** Where every node sees its own host's local disk directory (see {@link KarafNode}). */
    private final Path localDisks;
    private FailoverNode primary;
    private FailoverNode standby;
    private VmDisk disk;
    private GuestClient client;
    private long takeoverTimeoutMillis = TAKEOVER_TIMEOUT_MILLIS;
    private final Thread cleanupOnExit = new Thread(this::closeQuietly, "two-node-cleanup");

    private TwoNodeCluster(Path workDir, FailoverNetwork network) {
        this.workDir = workDir;
        this.network = network;
        this.localDisks = workDir.resolve("local-disk");
    }

    /**
     * Builds the network, starts nodes {@code a} (primary) and {@code b} (standby) side by side in
     * their host namespaces and makes the VM's disk of {@code diskBytes} in the given storage mode.
     */
    static TwoNodeCluster start(Path assembly, Path workDir, StorageMode storage, long diskBytes)
            throws IOException, InterruptedException {
        Path nodes = workDir.resolve("nodes");
        Path localDisks = workDir.resolve("local-disk");
        return start(workDir, () -> FailoverNetwork.create(List.of("a", "b")), storage, diskBytes,
                (network, name) -> new KarafNode(network.host(name), assembly, nodes, localDisks));
    }

    /**
     * As {@link #start(Path, Path, StorageMode, long)} on the lab: hosts {@code a} and {@code b} are
     * emulated machines (QEMU, their own kernel, nested KVM, a node each; see {@link LabHost}), the
     * VM's disk is on an nbd-server on the service network (a lab host's own disks are inside it).
     */
    static TwoNodeCluster startInLab(Path assembly, Path workDir, long diskBytes) throws IOException, InterruptedException {
        return startInLab(assembly, workDir, StorageMode.SHARED_NBD, diskBytes);
    }

    /**
     * On the lab with the VM's disk on an nbd-server ({@code nbd}), on one raw image both hosts
     * have as their disk /dev/vdc ({@code shared-file}: a shared LUN; scripts/lab/host.sh
     * --shared-disk), or replicated between the hosts' own disks, each host's own image as its
     * /dev/vdc ({@code replicated}; host.sh --own-disk, under {@code own-disks/<host>/}).
     */
    static TwoNodeCluster startInLab(Path assembly, Path workDir, StorageMode storage, long diskBytes)
            throws IOException, InterruptedException {
        Path hosts = workDir.resolve("hosts");
        Path sharedImage = workDir.resolve("shared").resolve(LAB_SHARED_IMAGE);
        Path ownDisks = workDir.resolve("own-disks");
        DiskFactory disks = switch (storage) {
            case SHARED_FILE -> cluster -> VmDisk.labSharedDisk(sharedImage);
            case REPLICATED -> cluster -> VmDisk.labReplicatedDisk();
            case SHARED_NBD -> cluster -> VmDisk.create(storage, cluster.vmName, diskBytes, workDir, cluster.network,
                    cluster.primary, cluster.localDisks);
        };
        TwoNodeCluster cluster = start(workDir, () -> FailoverNetwork.createLab(List.of("a", "b")), disks,
                (network, name) -> new LabHost(network, name, assembly, hosts.resolve(name), switch (storage) {
                    case SHARED_FILE -> List.of("--shared-disk", sharedImage.toString());
                    case REPLICATED -> List.of("--own-disk", ownDisks.resolve(name).resolve(VmDisk.LAB_DEVICE_NAME).toString());
                    case SHARED_NBD -> List.of();
                }),
                () -> { // host.sh wants the images before the hosts start
                    if (storage == StorageMode.SHARED_FILE) {
                        VmDisk.zeroImage(sharedImage, diskBytes);
                    } else if (storage == StorageMode.REPLICATED) {
                        for (String name : List.of("a", "b")) {
                            VmDisk.zeroImage(ownDisks.resolve(name).resolve(VmDisk.LAB_DEVICE_NAME), diskBytes);
                        }
                    }
                });
        cluster.takeoverTimeoutMillis = LAB_TAKEOVER_TIMEOUT_MILLIS;
        return cluster;
    }

    /** The lab's shared disk image (the hosts' /dev/vdc), under the work folder's shared/. */
    private static final String LAB_SHARED_IMAGE = "lab-shared.img";

    private static TwoNodeCluster start(Path workDir, NetworkFactory networkFactory, StorageMode storage, long diskBytes,
                                        NodeFactory nodeFactory) throws IOException, InterruptedException {
        return start(workDir, networkFactory, cluster -> VmDisk.create(storage, cluster.vmName, diskBytes, workDir,
                cluster.network, cluster.primary, cluster.localDisks), nodeFactory, () -> { });
    }

    private static TwoNodeCluster start(Path workDir, NetworkFactory networkFactory, DiskFactory diskFactory,
                                        NodeFactory nodeFactory, BeforeNodes beforeNodes) throws IOException, InterruptedException {
        // Nodes, logs and disks of an earlier run go: this run's are what a failure points at.
        Directories.deleteTree(workDir);
        Files.createDirectories(workDir);
        TwoNodeCluster cluster = new TwoNodeCluster(workDir, networkFactory.create());
        // Ctrl-C or a killed Maven still removes nodes, client and network.
        Runtime.getRuntime().addShutdownHook(cluster.cleanupOnExit);
        try {
            Files.createDirectories(cluster.localDisks);
            beforeNodes.run();
            cluster.primary = nodeFactory.create(cluster.network, "a");
            cluster.standby = nodeFactory.create(cluster.network, "b");
            cluster.startBothNodes();
            cluster.disk = diskFactory.create(cluster);
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.closeQuietly();
            throw e;
        }
    }

    private interface DiskFactory {
        VmDisk create(TwoNodeCluster cluster) throws IOException, InterruptedException;
    }

    private interface BeforeNodes {
        void run() throws IOException;
    }

    private interface NetworkFactory {
        FailoverNetwork create() throws IOException;
    }

    private interface NodeFactory {
        FailoverNode create(FailoverNetwork network, String hostName);
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

    private static void startUnchecked(FailoverNode node) {
        try {
            node.startFresh();
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(node.name() + ": interrupted while starting", e);
        }
    }

    FailoverNode primary() {
        return primary;
    }

    FailoverNode standby() {
        return standby;
    }

    VmDisk disk() {
        return disk;
    }

    Path workDir() {
        return workDir;
    }

    /** The client whose answers tell that the VM runs and its output reaches the client (closed with the cluster). */
    void attachClient(GuestClient guestClient) {
        this.client = guestClient;
    }

    /** The kemari:vm-start command for the test VM with these workload options (e.g. "--workload kv"). */
    String vmStartCommand(String workloadOptions) {
        return "kemari:vm-start --memory 32M " + workloadOptions + " --disk " + disk.argument() + " --nic tap:" + network.tap
                + " --ip " + network.guestAddress + " " + vmName;
    }

    /** Starts the VM on the primary (unprotected). */
    String startVm(String workloadOptions) {
        return primary.execute(vmStartCommand(workloadOptions));
    }

    /** Waits until the attached client gets an answer at or after {@code notBeforeMicros}. */
    void awaitClientAnswer(long notBeforeMicros, long timeoutMillis, String what) throws InterruptedException {
        if (!client.awaitAnswer(notBeforeMicros, timeoutMillis)) {
            throw new AssertionError("no answer reached the client " + what + "; the client said " + client.complaints()
                    + "\n" + primary.execute("kemari:status"));
        }
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
                awaitClientAnswer(StatusProbe.nowMicros(), 10_000, "after protection started on " + primary.name());
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
        FailoverNode victim = primary;
        FailoverNode survivor = standby;
        long killMicros = StatusProbe.nowMicros();
        victim.kill();
        long killedMicros = StatusProbe.nowMicros();
        String when = "killed " + victim.name() + " at " + java.time.Instant.ofEpochSecond(0, killMicros * 1000)
                + ", its JVM was gone " + (killedMicros - killMicros) / 1000 + " ms later";
        long runningAtMicros = awaitRunningOn(survivor, when);
        if (!client.awaitAnswer(runningAtMicros, takeoverTimeoutMillis)) {
            throw new AssertionError("VM " + vmName + " runs on " + survivor.name() + " but no answer reached the client"
                    + " since; the client said " + client.complaints() + "\n" + survivor.execute("kemari:status"));
        }
        long answeredAtMicros = StatusProbe.nowMicros();
        Thread.sleep(WATCH_AFTER_TAKEOVER_MILLIS);
        String status = survivor.execute("kemari:status");
        primary = survivor;
        standby = victim;
        return new Takeover(victim.name(), survivor.name(), killMicros, killedMicros - killMicros,
                runningAtMicros - killMicros, answeredAtMicros - killMicros, status);
    }

    /** Polls the survivor's kemari:vm-list until it shows the VM running; returns when (µs since the epoch). */
    private long awaitRunningOn(FailoverNode survivor, String killed) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(takeoverTimeoutMillis);
        String list = "";
        while (System.nanoTime() < deadline) {
            list = survivor.execute("kemari:vm-list");
            if (vmState(list).equals("running")) {
                return StatusProbe.nowMicros();
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the standby " + survivor.name() + " did not take over VM " + vmName + " within "
                + takeoverTimeoutMillis + " ms (" + killed + ").\nvm-list:\n" + list + "\nstatus:\n" + survivor.execute("kemari:status")
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

    /** Starts the killed node again (see {@link FailoverNode#restartAfterKill()}): it becomes the standby. */
    void restartKilledNodeAsStandby() throws IOException, InterruptedException {
        standby.restartAfterKill();
    }

    /** The image the VM writes now, as seen from outside the nodes (the primary's own copy if replicated). */
    Path currentDiskImage() {
        return disk.imageOn(primary);
    }

    /** Stops the VM on the primary: its disk is complete afterwards. */
    void stopVm() {
        primary.execute("kemari:vm-stop " + vmName);
    }

    /** Stops the client, kills both nodes, stops the storage, removes the network; the first problem is rethrown after all ran. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
        } catch (IllegalStateException e) {
            // Already shutting down: this is the hook itself.
        }
        Exception first = null;
        for (AutoCloseable c : new AutoCloseable[] {client, primary, standby, disk, network}) {
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
     * @param killMicros when the kill was sent (µs since the epoch)
     * @param killDurationMicros how long SIGKILL took until the JVM was reaped
     * @param runningAfterMicros from the kill until the survivor's vm-list showed the VM running
     * @param answeredAfterMicros from the kill until the client had an answer from the VM on the survivor
     * @param survivorStatus the survivor's kemari:status afterwards
     */
    record Takeover(String victim, String survivor, long killMicros, long killDurationMicros, long runningAfterMicros,
                    long answeredAfterMicros, String survivorStatus) {

        /** The survivor's own account: "took over at epoch N (...) in X ms". */
        String takeoverMessage() {
            return survivorStatus.lines().filter(l -> l.contains("took over")).map(l -> l.substring(l.indexOf("took over")).trim())
                    .findFirst().orElse("(no takeover message in kemari:status)");
        }
    }
}
