package org.kemari.itests.failover;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * What a user of the lab gets when a host cannot be had (docs/lab.md): one line that says why and
 * names the log to read, and nothing left behind — no QEMU process, no namespace, no TAP. Cases: no
 * distribution, a lab network that is gone, a machine that does not boot (too little memory for
 * its kernel), a node that does not come up in time.
 */
public class LabFailurePathsIT {
    private static final Path WORK_DIR = Path.of("target", "lab-errors").toAbsolutePath();

    private FailoverNetwork network;
    private Path assembly;

    @Before
    public void setUp() throws Exception {
        String noNetwork = FailoverNetwork.unavailableBecause();
        assumeTrue("lab failure-path tests skipped: " + noNetwork, noNetwork == null);
        assembly = Path.of(System.getProperty("kemari.assembly", ""));
        assumeTrue("lab failure-path tests skipped: no distribution (kemari.assembly)", Files.isRegularFile(assembly));
        Directories.deleteTree(WORK_DIR);
        network = FailoverNetwork.createLab(List.of("x"));
    }

    @After
    public void tearDown() throws Exception {
        if (network != null) {
            List<String> namespaces = network.namespaces();
            network.close();
            for (String ns : namespaces) {
                assertFalse("namespace " + ns + " left behind", FailoverNetwork.namespaceExists(ns));
            }
        }
        assertEquals("a lab host's QEMU outlived its failure", List.of(), labQemus());
    }

    private LabHost host(Path dist, String... extraArgs) {
        return new LabHost(network, "x", dist, WORK_DIR.resolve("x"), List.of(extraArgs));
    }

    @Test(timeout = 120_000)
    public void aMissingDistributionIsNamed() {
        Path missing = WORK_DIR.resolve("no-such-kemari.tar.gz");
        IOException e = assertThrows(IOException.class, () -> host(missing, "--no-snapshot").startFresh());
        assertTrue(e.getMessage(), e.getMessage().contains("no distribution at " + missing));
    }

    @Test(timeout = 120_000)
    public void aHostWhoseNetworkIsGoneIsNotStarted() throws Exception {
        network.close();
        IOException e = assertThrows(IOException.class, () -> host(assembly, "--no-snapshot").startFresh());
        assertTrue(e.getMessage(), e.getMessage().contains("does not exist; the host was not started"));
    }

    @Test(timeout = 600_000)
    public void aMachineThatDoesNotBootNamesItsConsoleLog() {
        // 24 MiB cannot hold the kernel and its initramfs: the kernel panics, QEMU (-no-reboot) exits.
        IOException e = assertThrows(IOException.class, () -> host(assembly, "--no-snapshot", "--mem", "24").startFresh());
        assertTrue(e.getMessage(), e.getMessage().contains("before its node was ready"));
        assertTrue(e.getMessage(), e.getMessage().contains(WORK_DIR.resolve("x/console.log").toString()));
    }

    @Test(timeout = 900_000)
    public void aNodeThatDoesNotComeUpNamesItsLog() {
        IOException e = assertThrows(IOException.class, () -> host(assembly, "--no-snapshot", "--node-timeout", "1").startFresh());
        assertTrue(e.getMessage(), e.getMessage().contains("NODE-FAILED"));
        assertTrue(e.getMessage(), e.getMessage().contains(WORK_DIR.resolve("x/karaf.log").toString()));
    }

    /** QEMU processes of lab hosts named x (host.sh names the machine lab-<host>). */
    private static List<String> labQemus() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("qemu-system") && c.contains("-name lab-x ")).orElse(false))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("")).toList();
    }
}
