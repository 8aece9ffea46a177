package org.kemari.itests.failover;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.kemari.guest.GuestKvLog;

/**
 * The failover demo ({@code scripts/demo.sh}): two Kemari nodes on this machine, each in its own
 * host network namespace, a protected VM running a TCP key-value server, a client holding one TCP
 * connection to it, the primary killed with SIGKILL, the standby taking over, and what the client
 * saw. Everything it makes is removed at the end. It runs the same harness as the failover tests.
 *
 * With {@code lab} as the fifth argument the two hosts are emulated machines of the lab (docs/lab.md),
 * and the kill is a power cut of host a's whole machine (its QEMU).
 *
 * <p>Usage: {@code FailoverDemo <distribution tar.gz> <work directory> [seconds protected] [storage mode] [lab]}
 */
public final class FailoverDemo {
    private static final long DISK_BYTES = 32L << 20;
    private static final int KV_PORT = 9000;

    private FailoverDemo() {
    }

    public static void main(String[] args) throws Exception {
        Path assembly = Path.of(args[0]);
        Path workDir = Path.of(args[1]).toAbsolutePath();
        long protectedMillis = args.length > 2 ? Long.parseLong(args[2]) * 1000 : 3000;
        StorageMode storage = args.length > 3 ? StorageMode.byLabel(args[3]) : StorageMode.SHARED_FILE;
        boolean lab = args.length > 4 && args[4].equals("lab");
        String unavailable = FailoverNetwork.unavailableBecause();
        if (unavailable != null) {
            System.out.println("The failover demo cannot run here: it " + unavailable + ".");
            System.exit(2);
        }
        boolean ok;
        try (TwoNodeCluster cluster = lab ? startLab(assembly, workDir, storage) : startHere(assembly, workDir, storage)) {
            ok = run(cluster, protectedMillis);
            say("Cleaning up: client, both %s, storage, namespaces (with their bridges, veths and TAPs)",
                    lab ? "hosts (their QEMU)" : "nodes");
        } catch (ShellCommandException | IOException e) {
            // What went wrong in one line; the nodes' files and logs stay for a look.
            System.out.println("\nDemo FAILED: " + e.getMessage() + "\n(the nodes' files and logs stay in " + workDir + ")");
            System.exit(1);
            return;
        }
        System.out.println(ok ? "\nDemo finished: the VM survived the death of its host; its TCP client saw a pause, no reset"
                + " and no lost write." : "\nDemo FAILED: see above.");
        System.exit(ok ? 0 : 1);
    }

    private static TwoNodeCluster startHere(Path assembly, Path workDir, StorageMode storage) throws IOException, InterruptedException {
        say("Building the network (a namespace per machine: hosts a and b, a switch, a client) and starting two Kemari nodes");
        return TwoNodeCluster.start(assembly, workDir, storage, DISK_BYTES);
    }

    private static TwoNodeCluster startLab(Path assembly, Path workDir, StorageMode storage) throws IOException, InterruptedException {
        say("Starting two emulated hosts a and b (QEMU machines with their own kernel, nested KVM and a Kemari node each),"
                + " a switch with the service network and the replication link, a client; the first start of a host boots it"
                + " (minutes under emulation), later ones restore its saved state (docs/lab.md)");
        return TwoNodeCluster.startInLab(assembly, workDir, storage, DISK_BYTES);
    }

    private static boolean run(TwoNodeCluster cluster, long protectedMillis) throws Exception {
        FailoverNode a = cluster.primary();
        FailoverNode b = cluster.standby();
        FailoverNetwork net = cluster.network;
        for (FailoverNode n : new FailoverNode[] {a, b}) {
            detail("host %s: %s", n.name(), n.describe());
        }
        detail("the client is %s in %s; the guest will be %s on the service network; the VM's NIC is TAP %s on its host",
                net.clientAddress, net.clientNamespace, net.guestAddress, net.tap);
        detail("the VM's disk (%s storage): %s", cluster.disk().mode(), cluster.disk().argument());

        say("Starting VM %s on host %s (unprotected): a test guest with a TCP key-value server on port %d", cluster.vmName,
                a.name(), KV_PORT);
        detail("%s> %s", a.name(), cluster.vmStartCommand("--workload kv"));
        detail("%s", cluster.startVm("--workload kv").strip());
        KvClientProcess client = KvClientProcess.start(net, KV_PORT, System.nanoTime(), cluster.workDir().resolve("kv-client.err"));
        cluster.attachClient(client);
        detail("the client connected from %s:%s and sends a request every %d ms on that one connection: PUT k<i> v<i>,"
                + " and every fourth a GET of an earlier key", net.clientAddress, client.localPort(),
                KvClientProcess.INTERVAL_MICROS / 1000);

        say("Protecting it: host %s becomes its standby", b.name());
        detail("%s> kemari:protect %s %s", a.name(), cluster.vmName, b.standbyAddress());
        detail("%s", cluster.protect().strip());
        Thread.sleep(protectedMillis);
        say("Status after %.1f s protected: epochs (one per burst of output), pause times, held output", protectedMillis / 1000.0);
        shell(a, "kemari:status");
        shell(b, "kemari:status");

        int before = client.count();
        KvExchange lastBefore = client.latest();
        say("Killing host %s with SIGKILL (%s pid %d): no shutdown, no goodbye on the link", a.name(),
                a instanceof LabHost ? "its QEMU, the whole machine:" : "its node's JVM,", a.pid());
        TwoNodeCluster.Takeover takeover = cluster.killPrimary();
        detail("host %s is gone (reaped %.1f ms after the signal)", a.name(), takeover.killDurationMicros() / 1000.0);

        say("Host %s took over by itself (heartbeat failover policy); its TAP announced the VM's MAC (RARP)", b.name());
        shell(b, "kemari:vm-list");
        shell(b, "kemari:status");
        detail("%s's own account: %s", b.name(), takeover.takeoverMessage());
        Thread.sleep(1_000);

        say("What the client saw");
        KvHistory history = new KvHistory(client.exchanges());
        KvExchange longest = history.longestWait(takeover.killMicros(), takeover.killMicros() + takeover.answeredAfterMicros() + 300_000);
        detail("requests answered before the kill: %d, the last %s", before, lastBefore);
        detail("the longest wait for a reply around the kill: %.1f ms, for %s", longest.latencyMicros() / 1000.0, longest);
        detail("that reply came from %s %.1f ms after the kill (the harness, polling kemari:vm-list over SSH, saw the VM"
                + " running there after %.1f ms)", b.name(), (longest.repliedMicros() - takeover.killMicros()) / 1000.0,
                takeover.runningAfterMicros() / 1000.0);
        detail("requests answered since the kill: %d, the last %s", client.count() - before, client.latest());
        List<String> errors = client.errors();
        detail("connection errors (reset, EOF, timeout): %s", errors.isEmpty() ? "none" : errors);

        say("Reading back every key on the same connection, then QUIT");
        boolean bye = client.finish(60_000);
        history = new KvHistory(client.exchanges());
        String violation = history.violation();
        cluster.stopVm();
        List<GuestKvLog.Put> acked = history.acknowledgedPuts();
        String disk = GuestKvLog.verify(cluster.currentDiskImage(), GuestKvLog.defaultLogStart(DISK_BYTES), acked);
        detail("%d requests on one TCP connection (client port %s), %d PUTs acknowledged", history.count(x -> true),
                client.localPort(), acked.size());

        say("Checks (outside both nodes)");
        detail("the connection was never reset, ended with QUIT/BYE:        %s", errors.isEmpty() && bye ? "OK" : "FAILED " + errors);
        detail("every PUT answered OK <n> in order, every GET the latest value: %s", violation == null ? "OK" : violation);
        detail("every acknowledged PUT is in the log on the disk:             %s", disk == null ? "OK" : disk);
        return errors.isEmpty() && bye && violation == null && disk == null;
    }

    private static void shell(FailoverNode node, String command) {
        System.out.println("  " + node.name() + "> " + command);
        node.execute(command).strip().lines().forEach(l -> System.out.println("    " + l));
    }

    private static void say(String format, Object... args) {
        System.out.println("\n== " + String.format(format, args));
    }

    private static void detail(String format, Object... args) {
        System.out.println("  " + String.format(format, args));
    }
}
