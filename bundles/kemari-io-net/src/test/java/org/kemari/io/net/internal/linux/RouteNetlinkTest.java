package org.kemari.io.net.internal.linux;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The rtnetlink qdisc calls and the kernel frame hold against this host's kernel, on a veth pair
 * made for the test. (This machine kind's kernel has no sch_plug and no matchall: the hold's own
 * behaviour is verified in the nested Xen rig, whose Debian dom0 kernel has both.)
 */
public class RouteNetlinkTest {
    private static final String IF = "kmrnl0";
    private static final String PEER = "kmrnl1";

    @Before
    public void veth() throws Exception {
        assumeTrue("needs root (CAP_NET_ADMIN) to make a veth pair; skipped", "root".equals(System.getProperty("user.name")));
        remove();
        sh("ip", "link", "add", IF, "type", "veth", "peer", "name", PEER);
        sh("ip", "link", "set", IF, "up");
        sh("ip", "link", "set", PEER, "up");
    }

    @After
    public void remove() throws Exception {
        if ("root".equals(System.getProperty("user.name"))) {
            new ProcessBuilder("ip", "link", "del", IF).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    public void addsARootQdiscWithItsOptions() throws Exception {
        byte[] limit77 = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(77).array();
        try (RouteNetlink nl = RouteNetlink.open()) {
            nl.addRootQdisc(RouteNetlink.interfaceIndex(IF), "pfifo", limit77);
        }
        String shown = sh("tc", "qdisc", "show", "dev", IF);
        assertTrue(shown, shown.contains("pfifo") && shown.contains("limit 77p"));
    }

    @Test
    public void aRefusedRequestSaysWhy() throws Exception {
        try (RouteNetlink nl = RouteNetlink.open()) {
            IOException e = assertThrows(IOException.class,
                    () -> nl.changeRootQdisc(RouteNetlink.interfaceIndex(IF), "no-such-kind", new byte[8]));
            assertTrue(e.getMessage(), e.getMessage().startsWith("the kernel refused the no-such-kind qdisc request: "));
            assertTrue(e.getMessage(), e.getMessage().contains("errno "));
        }
    }

    @Test
    public void readsTheRootQueueLength() throws Exception {
        // A token bucket of 8 kbit/s lets the first large frame out and queues the next ones.
        sh("tc", "qdisc", "add", "dev", IF, "root", "tbf", "rate", "8kbit", "burst", "1600", "limit", "100000");
        sh("ip", "addr", "add", "10.213.7.1/24", "dev", IF);
        sh("ip", "neigh", "add", "10.213.7.2", "lladdr", "02:00:00:00:07:02", "dev", IF);
        int ifindex = RouteNetlink.interfaceIndex(IF);
        try (RouteNetlink nl = RouteNetlink.open()) {
            assertEquals(0, nl.rootQueueLength(ifindex));
            try (java.net.DatagramSocket udp = new java.net.DatagramSocket()) {
                java.net.InetAddress peer = java.net.InetAddress.getByName("10.213.7.2");
                for (int i = 0; i < 4; i++) {
                    udp.send(new java.net.DatagramPacket(new byte[1400], 1400, peer, 9));
                }
                long queued = nl.rootQueueLength(ifindex);
                assertTrue("frames queued behind the token bucket: " + queued + "; tc says "
                        + sh("tc", "-s", "qdisc", "show", "dev", IF), queued >= 2);
            }
        }
    }

    @Test
    public void aMissingInterfaceIsNamed() {
        IOException e = assertThrows(IOException.class, () -> RouteNetlink.interfaceIndex("kmr-none0"));
        assertTrue(e.getMessage(), e.getMessage().startsWith("no network interface named 'kmr-none0'"));
    }

    @Test
    public void aHoldThatCannotStartLeavesNothingBehind() throws Exception {
        String ifb = KernelFrameHold.ifbName(IF);
        try {
            KernelFrameHold hold = KernelFrameHold.start(IF);
            // A kernel with sch_plug and matchall: the hold works; closing drops it cleanly.
            hold.closeBuffer();
            hold.releaseClosed();
            assertEquals(0, hold.queued());
            hold.close(false);
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("cannot hold the frames of " + IF + ": "));
        }
        assertFalse("no ifb device left", sh("ip", "link", "show").contains(ifb + ":"));
        assertFalse("no ingress qdisc left", sh("tc", "qdisc", "show", "dev", IF).contains("ingress"));
    }

    @Test
    public void theHoldOfAMissingInterfaceFailsFirst() {
        IOException e = assertThrows(IOException.class, () -> KernelFrameHold.start("kmr-none0"));
        assertTrue(e.getMessage(), e.getMessage().startsWith("no network interface named 'kmr-none0'"));
    }

    private static String sh(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(String.join(" ", command) + " timed out", p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(String.join(" ", command) + ": " + out, 0, p.exitValue());
        return out;
    }
}
