package org.kemari.itests.failover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The guest's network for a two-node test, made by the test and removed by it: a persistent TAP
 * (the guest's NIC, opened by whichever node runs the VM) on a bridge in the root namespace, and a
 * client network namespace joined to the bridge by a veth pair. The addresses (10.213.N.0/24,
 * client .1, guest .2) exist only inside this topology: nothing else is routed there.
 */
final class ClientNetwork implements AutoCloseable {
    final String tap;
    final String namespace;
    final String clientAddress;
    final String guestAddress;
    private final String bridge;
    private final String vethHost;
    private final String vethClient;
    private final List<String> created = new ArrayList<>();

    private ClientNetwork(String suffix, int subnet) {
        // Interface names are at most 15 characters.
        tap = "kmtap" + suffix;
        bridge = "kmbr" + suffix;
        vethHost = "kmvh" + suffix;
        vethClient = "kmvc" + suffix;
        namespace = "kemari-c-" + suffix;
        clientAddress = "10.213." + subnet + ".1";
        guestAddress = "10.213." + subnet + ".2";
    }

    /** Why this machine cannot host the topology, or null if it can (root, /dev/net/tun, ip netns). */
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
        return null;
    }

    /** Builds the topology; on failure whatever was made is removed again. */
    static ClientNetwork create() throws IOException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        ClientNetwork net = new ClientNetwork(String.format("%06x", random.nextInt(1 << 24)), random.nextInt(256));
        try {
            net.build();
            return net;
        } catch (IOException | RuntimeException e) {
            net.close();
            throw e;
        }
    }

    private void build() throws IOException {
        Commands.run("ip", "link", "add", bridge, "type", "bridge");
        created.add("link:" + bridge);
        Commands.run("ip", "link", "set", bridge, "up");

        // multi_queue: a standby that takes over on the heartbeat timeout can find the killed
        // primary's process still exiting and holding its TAP queue; a single-queue TAP then
        // refuses the attach (EBUSY) and the takeover fails for good (an engine/KVM issue; see
        // TwoNodeFailoverIT). -Dkemari.failover.singleQueueTap=true shows it.
        if (Boolean.getBoolean("kemari.failover.singleQueueTap")) {
            Commands.run("ip", "tuntap", "add", "dev", tap, "mode", "tap");
        } else {
            Commands.run("ip", "tuntap", "add", "dev", tap, "mode", "tap", "multi_queue");
        }
        created.add("link:" + tap);
        Commands.run("ip", "link", "set", tap, "master", bridge);
        Commands.run("ip", "link", "set", tap, "up");

        Commands.run("ip", "netns", "add", namespace);
        created.add("netns:" + namespace);
        Commands.run("ip", "link", "add", vethHost, "type", "veth", "peer", "name", vethClient);
        created.add("link:" + vethHost);
        Commands.run("ip", "link", "set", vethHost, "master", bridge);
        Commands.run("ip", "link", "set", vethHost, "up");
        Commands.run("ip", "link", "set", vethClient, "netns", namespace);
        Commands.run("ip", "-n", namespace, "addr", "add", clientAddress + "/24", "dev", vethClient);
        Commands.run("ip", "-n", namespace, "link", "set", vethClient, "up");
        Commands.run("ip", "-n", namespace, "link", "set", "lo", "up");
    }

    /** A command run inside the client namespace. */
    List<String> inNamespace(List<String> command) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        all.addAll(command);
        return all;
    }

    /** Removes everything this topology made (the namespace takes its veth end with it). */
    @Override
    public void close() throws IOException {
        List<String> problems = new ArrayList<>();
        for (int i = created.size() - 1; i >= 0; i--) {
            String item = created.get(i);
            String[] del = item.startsWith("netns:") ? new String[] {"ip", "netns", "del", item.substring(6)}
                    : new String[] {"ip", "link", "del", item.substring(5)};
            Commands.Result r = Commands.tryRun(del);
            boolean gone = item.startsWith("netns:") ? !Files.exists(Path.of("/run/netns", item.substring(6)))
                    : !Files.exists(Path.of("/sys/class/net", item.substring(5)));
            if (!gone) {
                problems.add(item + " (" + r.output().strip() + ")");
            }
        }
        created.clear();
        if (!problems.isEmpty()) {
            throw new IOException("could not remove test network parts: " + problems);
        }
    }
}
