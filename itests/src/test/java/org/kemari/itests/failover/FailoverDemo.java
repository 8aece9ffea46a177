package org.kemari.itests.failover;

import java.nio.file.Path;

/**
 * The failover demo ({@code scripts/demo.sh}): two Kemari nodes on this machine, a protected VM,
 * the primary killed with SIGKILL, the standby taking over, and what a client of the VM saw.
 * Everything it makes is removed at the end.
 *
 * <p>Usage: {@code FailoverDemo <distribution tar.gz> <work directory> [seconds protected]}
 */
public final class FailoverDemo {
    private FailoverDemo() {
    }

    public static void main(String[] args) throws Exception {
        Path assembly = Path.of(args[0]);
        Path workDir = Path.of(args[1]).toAbsolutePath();
        long protectedMillis = args.length > 2 ? Long.parseLong(args[2]) * 1000 : 3000;
        String unavailable = ClientNetwork.unavailableBecause();
        if (unavailable != null) {
            System.out.println("The failover demo cannot run here: it " + unavailable + ".");
            System.exit(2);
        }
        boolean ok;
        say("Starting two Kemari nodes (Karaf JVMs) on this machine and a client network");
        try (TwoNodeCluster cluster = TwoNodeCluster.start(assembly, workDir)) {
            ok = run(cluster, protectedMillis);
            say("Cleaning up: client, both nodes, TAP, bridge and namespace");
        }
        System.out.println(ok ? "\nDemo finished: the VM survived the death of its host, and the client saw no rollback and no lost write."
                : "\nDemo FAILED: see above.");
        System.exit(ok ? 0 : 1);
    }

    private static boolean run(TwoNodeCluster cluster, long protectedMillis) throws Exception {
        KarafNode a = cluster.primary();
        KarafNode b = cluster.standby();
        for (KarafNode n : new KarafNode[] {a, b}) {
            detail("node %s: pid %d, SSH console 127.0.0.1:%d, standby listener %s, files in %s", n.name(), n.pid(),
                    n.sshPort(), n.standbyAddress(), n.home());
        }
        ClientNetwork net = cluster.network;
        detail("the VM's NIC: TAP %s on a bridge; the client runs in network namespace %s (%s), the guest is %s",
                net.tap, net.namespace, net.clientAddress, net.guestAddress);

        say("Starting VM %s on node %s (unprotected): a test guest that writes a disk and answers UDP status requests", cluster.vmName, a.name());
        detail("%s> %s", a.name(), cluster.vmStartCommand());
        detail("%s", cluster.startVm().strip());
        StatusReply r = cluster.probe().latest();
        detail("the client (a status request every 2 ms) hears it: rounds %d, disk writes acked %d", r.rounds(), r.diskWritesAcked());

        say("Protecting it: node %s becomes its standby", b.name());
        detail("%s> kemari:protect %s %s", a.name(), cluster.vmName, b.standbyAddress());
        detail("%s", cluster.protect().strip());
        Thread.sleep(protectedMillis);
        say("Status after %.1f s protected: epochs (one per burst of output), pause times, held output", protectedMillis / 1000.0);
        shell(a, "kemari:status");
        shell(b, "kemari:status");

        StatusReply before = cluster.probe().latest();
        say("Killing node %s's JVM with SIGKILL (pid %d): no shutdown, no goodbye on the link", a.name(), a.pid());
        TwoNodeCluster.Takeover takeover = cluster.killPrimary();
        detail("node %s is gone (reaped %.1f ms after the signal)", a.name(), takeover.killMicros() / 1000.0);

        say("Node %s took over by itself (heartbeat failover policy)", b.name());
        shell(b, "kemari:vm-list");
        shell(b, "kemari:status");

        FailoverObservation seen = takeover.seen();
        say("What the client saw");
        detail("replies while protected: %d; last reply before the kill: rounds %d, disk writes acked %d",
                seen.repliesBeforeKill(), before.rounds(), before.diskWritesAcked());
        if (seen.lastBeforeOutage() == null) {
            detail("no reply after the kill");
            return false;
        }
        detail("last reply before the outage: #%d, rounds %d, disk writes acked %d", seen.lastBeforeOutage().nonce(),
                seen.lastBeforeOutage().rounds(), seen.lastBeforeOutage().diskWritesAcked());
        detail("first reply after it:         #%d, rounds %d, disk writes acked %d (from the standby's last epoch)",
                seen.firstAfterOutage().nonce(), seen.firstAfterOutage().rounds(), seen.firstAfterOutage().diskWritesAcked());
        detail("now:                               rounds %d, disk writes acked %d", seen.last().rounds(), seen.last().diskWritesAcked());
        detail("outage seen by the client: %.1f ms (%d requests unanswered); VM listed running on %s %.1f ms after the kill",
                seen.outageMicros() / 1000.0, seen.unansweredDuringOutage(), b.name(), takeover.runningAfterMicros() / 1000.0);
        detail("%s's own account: %s", b.name(), takeover.takeoverMessage());

        String rollback = seen.rollback();
        String continuation = seen.continuation();
        String disk = cluster.stopVmAndVerifyDisk();
        say("Checks (outside both nodes)");
        detail("no rollback visible to the client:            %s", rollback == null ? "OK" : rollback);
        detail("the guest went on from the last epoch:        %s", continuation == null ? "OK" : continuation);
        detail("every acknowledged disk write is on the disk: %s", disk == null ? "OK" : disk);
        return rollback == null && continuation == null && disk == null;
    }

    private static void shell(KarafNode node, String command) {
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
