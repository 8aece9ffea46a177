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
 * should be: a clear error naming the problem, and nothing left behind. One real node runs in a
 * host namespace of a {@link FailoverNetwork} for the errors that come from Kemari itself
 * ({@code kemari:vm-start} with a device that is not a TAP, a TAP name Linux cannot have, an
 * nbd-server that is not there); the harness's own errors (a missing namespace, a TAP that cannot
 * be made) need no node.
 */
public class NetworkFailurePathsIT {
    private static final Path WORK_DIR = Path.of("target", "failover-errors").toAbsolutePath();

    private static FailoverNetwork network;
    private static KarafNode node;

    @BeforeClass
    public static void startOneNode() throws Exception {
        String noNetwork = FailoverNetwork.unavailableBecause();
        assumeTrue("network failure-path tests skipped: " + noNetwork, noNetwork == null);
        assumeTrue("network failure-path tests skipped: needs /dev/kvm (read-write)", Files.isWritable(Path.of("/dev/kvm")));
        Path assembly = Path.of(System.getProperty("kemari.assembly", ""));
        assumeTrue("network failure-path tests skipped: no distribution (kemari.assembly)", Files.isRegularFile(assembly));
        Directories.deleteTree(WORK_DIR);
        Files.createDirectories(WORK_DIR.resolve("local-disk"));
        network = FailoverNetwork.create(List.of("a"));
        node = new KarafNode(network.host("a"), assembly, WORK_DIR.resolve("nodes"), WORK_DIR.resolve("local-disk"));
        node.startFresh();
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
        KarafNode ghostNode = new KarafNode(ghost, Path.of(System.getProperty("kemari.assembly")), nodes, WORK_DIR.resolve("local-disk"));
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
    public void aVmWhoseNicIsNotATapIsRefusedByName() {
        // up0 exists in the host's namespace, but it is a veth.
        String error = vmStartError("--nic tap:up0");
        assertTrue(error, error.contains("interface up0 exists but is not a TAP device"));
        assertNoVm();
    }

    @Test
    public void aVmWhoseTapNameIsTooLongIsRefusedByName() {
        String error = vmStartError("--nic tap:kmtap-far-too-long");
        assertTrue(error, error.contains("kmtap-far-too-long"));
        assertNoVm();
        assertFalse("no such device was made", Commands.works("ip", "-n", network.host("a").namespace(), "link", "show",
                "kmtap-far-too-long"));
    }

    @Test
    public void aVmWhoseNbdServerIsNotThereIsRefusedByName() {
        String uri = "nbd://" + network.storageAddress + ":" + NbdServer.PORT + "/kv";
        String error = vmStartError("--nic tap:" + network.tap + " --disk " + uri);
        assertTrue(error, error.contains("nbd-server " + network.storageAddress + ":" + NbdServer.PORT + " refused the connection"));
        assertNoVm();
        // The failed start let go of the TAP it had opened first: a VM can have it now.
        node.execute("kemari:vm-start --memory 32M --workload net --ip " + network.guestAddress + " --nic tap:" + network.tap + " okvm");
        node.execute("kemari:vm-stop okvm");
    }

    private static String vmStartError(String options) {
        String command = "kemari:vm-start --memory 32M --workload net --ip " + network.guestAddress + " " + options + " errvm";
        try {
            node.execute(command);
            node.execute("kemari:vm-stop errvm");
            throw new AssertionError("'" + command + "' started a VM");
        } catch (ShellCommandException e) {
            System.out.println("[errors] " + command + " -> " + e.getMessage());
            return e.getMessage();
        }
    }

    private static void assertNoVm() {
        assertFalse(node.execute("kemari:vm-list"), node.execute("kemari:vm-list").contains("errvm"));
    }

    private static void assertNothingLeftOf(String id) {
        String namespaces = Commands.tryRunQuietly("ip", "netns", "list");
        assertFalse("namespaces left: " + namespaces, namespaces.contains("km" + id));
        assertFalse("management veths left", Commands.tryRunQuietly("ip", "-o", "link", "show").contains("kmm" + id));
    }
}
