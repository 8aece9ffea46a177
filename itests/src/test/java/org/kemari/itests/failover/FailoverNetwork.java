package org.kemari.itests.failover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The network of a two-node test (docs/test-topology.md), made by the test and removed by it:
 * one network namespace per machine, joined by veth pairs to a bridge in a switch namespace.
 *
 * <ul>
 * <li>switch ({@code km<id>-sw}): bridge {@code sw0}, which also carries the storage address
 *     (where an nbd-server listens);
 * <li>each host ({@code km<id>-a}, {@code km<id>-b}): uplink veth {@code up0} and the persistent
 *     TAP {@code kmtap0} (the VM's NIC, the same name on every host) enslaved to bridge {@code br0},
 *     which has the host's address (its replication link goes over the switch); plus a
 *     management veth {@code mgmt0} to the root namespace, where the test's SSH client runs;
 * <li>client ({@code km<id>-c}): veth {@code eth0}, the client of the VM.
 * </ul>
 *
 * Addresses: 10.213.S.0/24 on the switch (client .1, guest .2, storage .10, hosts .11, .12, ...)
 * and a /30 per host in 10.214.S.0/24 for management. They exist only inside this topology.
 */
final class FailoverNetwork implements AutoCloseable {
    /**
     * The lab's third octet while no other lab runs: a lab host's save (docs/lab.md) holds its
     * addresses, so the same addresses in every run let later runs restore instead of boot.
     */
    private static final int LAB_SUBNET = 77;
    /** The VM's NIC on every host. */
    static final String DEFAULT_TAP = "kmtap0";
    /** Linux interface names are at most 15 bytes (IFNAMSIZ - 1). */
    static final int MAX_INTERFACE_NAME = 15;

    /** One machine of the topology: its namespace, its address on the switch, its management address. */
    record Host(String name, String namespace, String address, String managementAddress) {
    }

    /**
     * How an emulated host of the lab is wired: its QEMU's two TAPs in the switch namespace
     * (replication link, service network) and the addresses its box gives those NICs (CIDR).
     */
    record LabWiring(String replicationTap, String serviceTap, String replicationAddress, String serviceAddress) {
    }

    final String id;
    final String tap;
    final String switchNamespace;
    final String clientNamespace;
    final String clientAddress;
    final String guestAddress;
    final String storageAddress;
    private final int subnet;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final Map<String, LabWiring> labWiring = new LinkedHashMap<>();
    private final List<String> namespacesMade = new ArrayList<>();

    private FailoverNetwork(String id, int subnet, String tap) {
        this.id = id;
        this.subnet = subnet;
        this.tap = tap;
        switchNamespace = "km" + id + "-sw";
        clientNamespace = "km" + id + "-c";
        clientAddress = "10.213." + subnet + ".1";
        guestAddress = "10.213." + subnet + ".2";
        storageAddress = "10.213." + subnet + ".10";
    }

    /** Why this machine cannot host the topology, or null if it can (root, /dev/net/tun, ip netns, unshare). */
    static String unavailableBecause() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "needs root (CAP_NET_ADMIN) for TAP, bridge and network namespace";
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            return "needs /dev/net/tun (the tun module)";
        }
        if (!Commands.works("ip", "-V") || !Commands.works("ip", "netns", "list")) {
            return "needs the ip command with netns support (iproute2)";
        }
        if (!Commands.works("unshare", "--mount", "true")) {
            return "needs unshare (util-linux) with mount namespaces";
        }
        return null;
    }

    /** Builds the topology with hosts of these names and the default TAP; on failure whatever was made is removed. */
    static FailoverNetwork create(List<String> hostNames) throws IOException {
        return create(newId(), DEFAULT_TAP, hostNames);
    }

    /** A fresh id for namespace names (6 hex digits). */
    static String newId() {
        return String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    }

    /** As {@link #create(List)} with a chosen id (namespace names) and TAP name. */
    static FailoverNetwork create(String id, String tap, List<String> hostNames) throws IOException {
        return wired(new FailoverNetwork(id, freeSubnet(), tap), net -> net.build(hostNames));
    }

    private interface Wiring {
        void build(FailoverNetwork net) throws IOException;
    }

    /** Builds {@code net}; on failure whatever was made so far is removed and the failure rethrown. */
    private static FailoverNetwork wired(FailoverNetwork net, Wiring wiring) throws IOException {
        try {
            wiring.build(net);
            return net;
        } catch (IOException | RuntimeException e) {
            try {
                net.close();
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /**
     * The lab's network (docs/lab.md): the same switch, storage address and client as {@link #create},
     * but the hosts are emulated machines whose QEMU runs in the switch namespace with two NICs each:
     * a TAP on {@code sw0} (service network, 10.213.S.0/24, where the client and the VMs are) and a
     * TAP on bridge {@code rl0} (the replication link, 10.214.S.0/24, where the nodes' consoles and
     * standby listeners are). The test's SSH client reaches {@code rl0} over a veth from the root
     * namespace ({@code kmm<id>}, 10.214.S.1). A host's {@link Host#namespace()} is the switch's.
     */
    static FailoverNetwork createLab(List<String> hostNames) throws IOException {
        return wired(new FailoverNetwork(newId(), freeSubnet(LAB_SUBNET), DEFAULT_TAP), net -> net.buildLab(hostNames));
    }

    private void buildLab(List<String> hostNames) throws IOException {
        addNamespace(switchNamespace);
        ipIn(switchNamespace, "link", "add", "sw0", "type", "bridge");
        ipIn(switchNamespace, "addr", "add", storageAddress + "/24", "dev", "sw0");
        ipIn(switchNamespace, "link", "set", "sw0", "up");
        ipIn(switchNamespace, "link", "add", "rl0", "type", "bridge");
        ipIn(switchNamespace, "link", "set", "rl0", "up");

        addNamespace(clientNamespace);
        plugIntoSwitch(clientNamespace, "eth0", "port-c");
        ipIn(clientNamespace, "addr", "add", clientAddress + "/24", "dev", "eth0");

        String rootEnd = labManagementLink();
        Commands.run("ip", "link", "add", rootEnd, "type", "veth", "peer", "name", "mgmt", "netns", switchNamespace);
        Commands.run("ip", "addr", "add", "10.214." + subnet + ".1/24", "dev", rootEnd);
        Commands.run("ip", "link", "set", rootEnd, "up");
        ipIn(switchNamespace, "link", "set", "mgmt", "master", "rl0");
        ipIn(switchNamespace, "link", "set", "mgmt", "up");

        for (int i = 0; i < hostNames.size(); i++) {
            String name = hostNames.get(i);
            String replication = "10.214." + subnet + "." + (11 + i);
            LabWiring wiring = new LabWiring(name + "-repl", name + "-svc", replication + "/24",
                    "10.213." + subnet + "." + (11 + i) + "/24");
            for (String[] tapAndBridge : new String[][] {{wiring.replicationTap(), "rl0"}, {wiring.serviceTap(), "sw0"}}) {
                ipIn(switchNamespace, "tuntap", "add", "dev", tapAndBridge[0], "mode", "tap");
                ipIn(switchNamespace, "link", "set", tapAndBridge[0], "master", tapAndBridge[1]);
                ipIn(switchNamespace, "link", "set", tapAndBridge[0], "up");
            }
            hosts.put(name, new Host(name, switchNamespace, replication, replication));
            labWiring.put(name, wiring);
        }
    }

    private String labManagementLink() {
        return "kmm" + id;
    }

    /** How lab host {@code name} is wired (only in a network made by {@link #createLab}). */
    LabWiring labWiring(String name) {
        LabWiring w = labWiring.get(name);
        if (w == null) {
            throw new IllegalArgumentException("no lab host '" + name + "' in this network (lab hosts: " + labWiring.keySet() + ")");
        }
        return w;
    }

    /** A third octet whose management range no interface of this machine uses yet (concurrent runs). */
    private static int freeSubnet() throws IOException {
        return freeSubnet(-1);
    }

    /** As {@link #freeSubnet()}, {@code preferred} first if it is free (or a random one if it is negative). */
    private static int freeSubnet(int preferred) throws IOException {
        String inUse = Commands.run("ip", "-4", "-o", "addr", "show");
        if (preferred >= 0 && !inUse.contains(" 10.214." + preferred + ".")) {
            return preferred;
        }
        for (int tries = 0; tries < 100; tries++) {
            int s = ThreadLocalRandom.current().nextInt(256);
            if (!inUse.contains(" 10.214." + s + ".")) {
                return s;
            }
        }
        throw new IOException("no free 10.214.x.0/24 management range on this machine");
    }

    private void build(List<String> hostNames) throws IOException {
        if (tap.length() > MAX_INTERFACE_NAME) {
            throw new IOException("TAP name '" + tap + "' is " + tap.length() + " bytes long; Linux allows at most "
                    + MAX_INTERFACE_NAME);
        }
        addNamespace(switchNamespace);
        ipIn(switchNamespace, "link", "add", "sw0", "type", "bridge");
        ipIn(switchNamespace, "addr", "add", storageAddress + "/24", "dev", "sw0");
        ipIn(switchNamespace, "link", "set", "sw0", "up");

        addNamespace(clientNamespace);
        plugIntoSwitch(clientNamespace, "eth0", "port-c");
        ipIn(clientNamespace, "addr", "add", clientAddress + "/24", "dev", "eth0");

        for (int i = 0; i < hostNames.size(); i++) {
            addHost(hostNames.get(i), i);
        }
    }

    private void addHost(String name, int index) throws IOException {
        String ns = "km" + id + "-" + name;
        Host host = new Host(name, ns, "10.213." + subnet + "." + (11 + index), "10.214." + subnet + "." + (4 * index + 2));
        addNamespace(ns);
        ipIn(ns, "link", "add", "br0", "type", "bridge");
        ipIn(ns, "addr", "add", host.address() + "/24", "dev", "br0");
        ipIn(ns, "link", "set", "br0", "up");
        plugIntoSwitch(ns, "up0", "port-" + name);
        ipIn(ns, "link", "set", "up0", "master", "br0");

        // Persistent, so that the node only attaches to it: the TAP belongs to the host, not the VM.
        // Each host has its own, so a standby never waits for the dying primary's process to let
        // go of it; -Dkemari.failover.multiQueueTap=true makes multi-queue ones.
        if (Boolean.getBoolean("kemari.failover.multiQueueTap")) {
            ipIn(ns, "tuntap", "add", "dev", tap, "mode", "tap", "multi_queue");
        } else {
            ipIn(ns, "tuntap", "add", "dev", tap, "mode", "tap");
        }
        ipIn(ns, "link", "set", tap, "master", "br0");
        ipIn(ns, "link", "set", tap, "up");

        // Management: the test's SSH client in the root namespace reaches the node's console here.
        String rootEnd = "kmm" + id + name;
        Commands.run("ip", "link", "add", rootEnd, "type", "veth", "peer", "name", "mgmt0", "netns", ns);
        Commands.run("ip", "addr", "add", "10.214." + subnet + "." + (4 * index + 1) + "/30", "dev", rootEnd);
        Commands.run("ip", "link", "set", rootEnd, "up");
        ipIn(ns, "addr", "add", host.managementAddress() + "/30", "dev", "mgmt0");
        ipIn(ns, "link", "set", "mgmt0", "up");
        hosts.put(name, host);
    }

    private void addNamespace(String ns) throws IOException {
        Commands.run("ip", "netns", "add", ns);
        namespacesMade.add(ns);
        ipIn(ns, "link", "set", "lo", "up");
    }

    /** A veth from {@code ns} (end {@code inside}) to the switch's bridge (end {@code port}). */
    private void plugIntoSwitch(String ns, String inside, String port) throws IOException {
        ipIn(ns, "link", "add", inside, "type", "veth", "peer", "name", port, "netns", switchNamespace);
        ipIn(switchNamespace, "link", "set", port, "master", "sw0");
        ipIn(switchNamespace, "link", "set", port, "up");
        ipIn(ns, "link", "set", inside, "up");
    }

    private static void ipIn(String ns, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip", "-n", ns));
        command.addAll(List.of(args));
        Commands.run(command.toArray(String[]::new));
    }

    Host host(String name) {
        Host h = hosts.get(name);
        if (h == null) {
            throw new IllegalArgumentException("no host '" + name + "' in this topology (hosts: " + hosts.keySet() + ")");
        }
        return h;
    }

    /** A command run inside network namespace {@code ns}. */
    static List<String> inNamespace(String ns, List<String> command) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(command);
        return all;
    }

    /** A command run inside the client namespace. */
    List<String> inClient(List<String> command) {
        return inNamespace(clientNamespace, command);
    }

    /** Whether a network namespace of that name exists. */
    static boolean namespaceExists(String ns) {
        return Files.exists(Path.of("/run/netns", ns));
    }

    /** The namespaces this topology made and still has (all of them until {@link #close()}). */
    List<String> namespaces() {
        return List.copyOf(namespacesMade);
    }

    /**
     * Removes everything: first any process still running in one of its namespaces (only this
     * test's own: the nodes, the client, an nbd-server), then the namespaces, which take their
     * bridges, TAPs and veths with them (a veth's root-namespace end goes with its peer).
     */
    @Override
    public void close() throws IOException {
        List<String> problems = new ArrayList<>();
        for (int i = namespacesMade.size() - 1; i >= 0; i--) {
            String ns = namespacesMade.get(i);
            killProcessesIn(ns);
            Commands.Result r = Commands.tryRun("ip", "netns", "del", ns);
            if (namespaceExists(ns)) {
                problems.add(ns + " (" + r.output().strip() + ")");
            }
        }
        namespacesMade.clear();
        for (Host h : hosts.values()) {
            String rootEnd = "kmm" + id + h.name();
            if (Files.exists(Path.of("/sys/class/net", rootEnd))) {
                Commands.tryRun("ip", "link", "del", rootEnd);
            }
        }
        hosts.clear();
        labWiring.clear();
        if (Files.exists(Path.of("/sys/class/net", labManagementLink()))) {
            Commands.tryRun("ip", "link", "del", labManagementLink());
        }
        if (!problems.isEmpty()) {
            throw new IOException("could not remove test network namespaces: " + problems);
        }
    }

    private static void killProcessesIn(String ns) throws IOException {
        String pids = Commands.tryRun("ip", "netns", "pids", ns).output();
        for (String pid : pids.strip().split("\\s+")) {
            if (!pid.isBlank() && pid.chars().allMatch(Character::isDigit)) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
