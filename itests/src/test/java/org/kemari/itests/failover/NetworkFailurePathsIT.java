package org.kemari.itests.failover;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * What a user (or a test author) gets when the network or storage of a node is not what it
 * should be: a clear error naming the problem, and nothing left behind. One real node answers
 * the errors that come from Kemari itself ({@code kemari:vm-start} with a device that is not a
 * TAP, a TAP name Linux cannot have, an nbd-server that is not there): a Karaf JVM in a host
 * namespace of a {@link FailoverNetwork} where this machine has /dev/kvm, an emulated host of
 * the lab (docs/lab.md) where it has not. The harness's own errors (a missing namespace, a TAP
 * that cannot be made) need no node.
 */
public class NetworkFailurePathsIT {
    private static final Path WORK_DIR = Path.of("target", "failover-errors").toAbsolutePath();

    private static FailoverNetwork network;
    private static FailoverNode node;

    @BeforeClass
    public static void checkMachine() throws IOException {
        String noNetwork = FailoverNetwork.unavailableBecause();
        assumeTrue("network failure-path tests skipped: " + noNetwork, noNetwork == null);
        assumeTrue("network failure-path tests skipped: no distribution (kemari.assembly)", Files.isRegularFile(assembly()));
        Directories.deleteTree(WORK_DIR);
        Files.createDirectories(WORK_DIR.resolve("local-disk"));
    }

    private static Path assembly() {
        return Path.of(System.getProperty("kemari.assembly", ""));
    }

    /** The node, started by the first test that needs one: on this machine, or on a lab host. */
    private static FailoverNode node() throws IOException, InterruptedException {
        if (node == null) {
            if (LabHost.standsIn()) {
                network = FailoverNetwork.createLab(List.of("a"));
                node = new LabHost(network, "a", assembly(), WORK_DIR.resolve("hosts").resolve("a"));
            } else {
                network = FailoverNetwork.create(List.of("a"));
                node = new KarafNode(network.host("a"), assembly(), WORK_DIR.resolve("nodes"), WORK_DIR.resolve("local-disk"));
            }
            node.startFresh();
            System.out.println("[errors] the node: " + node.describe());
        }
        return node;
    }

    @AfterClass
    public static void stopEverything() throws Exception {
        if (node != null) {
            node.close();
        }
        if (network != null) {
            network.close();
        }
    }

    @Test
    public void aNodeAskedToRunInAMissingNamespaceIsNotStartedAndLeavesNothing() throws Exception {
        FailoverNetwork.Host ghost = new FailoverNetwork.Host("ghost", "km" + FailoverNetwork.newId() + "-ghost", "10.213.0.11",
                "10.214.0.2");
        Path nodes = WORK_DIR.resolve("ghost-nodes");
        KarafNode ghostNode = new KarafNode(ghost, assembly(), nodes, WORK_DIR.resolve("local-disk"));
        try {
            ghostNode.startFresh();
            fail("a node started in a namespace that does not exist");
        } catch (IOException e) {
            assertEquals("ghost: network namespace '" + ghost.namespace() + "' does not exist (ip netns list); the node was"
                    + " not started", e.getMessage());
        }
        assertFalse(ghostNode.isRunning());
        assertFalse("nothing unpacked", Files.exists(nodes));
    }

    @Test
    public void aTapNameLinuxCannotHaveIsRefusedAndTheTopologyRemoved() {
        String id = FailoverNetwork.newId();
        try {
            FailoverNetwork.create(id, "kmtap-far-too-long", List.of("a", "b")).close();
            fail("a topology was made with a 18-byte TAP name");
        } catch (IOException e) {
            assertEquals("TAP name 'kmtap-far-too-long' is 18 bytes long; Linux allows at most 15", e.getMessage());
        }
        assertNothingLeftOf(id);
    }

    @Test
    public void aTapNameTakenByAnotherDeviceIsRefusedAndTheTopologyRemoved() {
        String id = FailoverNetwork.newId();
        try {
            // br0 is each host's bridge: the TAP cannot be made under that name.
            FailoverNetwork.create(id, "br0", List.of("a", "b")).close();
            fail("a topology was made with its TAP named like the host's bridge");
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("tuntap add dev br0") && e.getMessage().contains("failed"));
        }
        assertNothingLeftOf(id);
    }

    @Test
    public void aVmWhoseNicIsNotATapIsRefusedByName() throws Exception {
        // lo exists on every host, and is no TAP.
        String error = vmStartError("--nic tap:lo");
        assertTrue(error, error.contains("interface lo exists but is not a TAP device"));
        assertNoVm();
    }

    @Test
    public void aVmWhoseTapNameIsTooLongIsRefusedByName() throws Exception {
        String error = vmStartError("--nic tap:kmtap-far-too-long");
        assertTrue(error, error.contains("kmtap-far-too-long"));
        assertNoVm();
        if (node instanceof KarafNode) { // a lab host's devices are inside the machine
            assertFalse("no such device was made", Commands.works("ip", "-n", network.host("a").namespace(), "link", "show",
                    "kmtap-far-too-long"));
        }
    }

    @Test
    public void aVmWhoseNbdServerIsNotThereIsRefusedByName() throws Exception {
        node();
        String uri = "nbd://" + network.storageAddress + ":" + NbdServer.PORT + "/kv";
        String error = vmStartError("--nic tap:" + network.tap + " --disk " + uri);
        assertTrue(error, error.contains("nbd-server " + network.storageAddress + ":" + NbdServer.PORT + " refused the connection"));
        assertNoVm();
        // The failed start let go of the TAP it had opened first: a VM can have it now.
        node.execute("kemari:vm-start --memory 32M --workload net --ip " + network.guestAddress + " --nic tap:" + network.tap + " okvm");
        node.execute("kemari:vm-stop okvm");
    }

    private static String vmStartError(String options) throws IOException, InterruptedException {
        FailoverNode n = node();
        String command = "kemari:vm-start --memory 32M --workload net --ip " + network.guestAddress + " " + options + " errvm";
        try {
            n.execute(command);
            n.execute("kemari:vm-stop errvm");
            throw new AssertionError("'" + command + "' started a VM");
        } catch (ShellCommandException e) {
            System.out.println("[errors] " + command + " -> " + e.getMessage());
            return e.getMessage();
        }
    }

    private static void assertNoVm() {
        String vms = node.execute("kemari:vm-list");
        assertFalse(vms, vms.contains("errvm"));
    }

    private static void assertNothingLeftOf(String id) {
        String namespaces = Commands.tryRunQuietly("ip", "netns", "list");
        assertFalse("namespaces left: " + namespaces, namespaces.contains("km" + id));
        assertFalse("management veths left", Commands.tryRunQuietly("ip", "-o", "link", "show").contains("kmm" + id));
    }
}
