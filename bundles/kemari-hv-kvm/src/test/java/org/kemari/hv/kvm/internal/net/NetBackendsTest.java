package org.kemari.hv.kvm.internal.net;

import static org.junit.Assert.*;

import java.util.ArrayList;
import java.util.List;

import org.junit.After;
import org.junit.Test;

/** Parsing NIC backend strings; the none backend; in-process pairs. */
public class NetBackendsTest {

    @After
    public void tearDown() {
        NetPairRegistry.remove("p1");
    }

    @Test
    public void noneDropsAndCounts() throws Exception {
        NetBackend none = NetBackends.open("none");
        none.send(new byte[60]);
        none.send(new byte[60]);
        assertEquals(2, none.droppedFrames());
        assertEquals("none", none.describe());
        none.close();
    }

    @Test
    public void pairSidesAreConnected() throws Exception {
        InProcessNetPair pair = NetPairRegistry.create("p1");
        NetBackend vm = NetBackends.open("pair:p1");
        List<byte[]> got = new ArrayList<>();
        pair.b().setReceiver(got::add);
        byte[] frame = {1, 2, 3};
        vm.send(frame);
        frame[0] = 9;
        assertEquals(1, got.size());
        assertEquals("the frame is copied", 1, got.get(0)[0]);

        List<byte[]> vmGot = new ArrayList<>();
        vm.setReceiver(vmGot::add);
        pair.b().send(new byte[] {4});
        assertEquals(1, vmGot.size());
        pair.b().setReceiver(null);
        vm.send(new byte[1]);
        assertEquals("no receiver: dropped", 1, pair.b().droppedFrames());
        NetBackend sideB = NetBackends.open("pair:p1:b");
        sideB.setReceiver(got::add);
        NetBackends.open("pair:p1:a").send(new byte[] {5});
        assertEquals(2, got.size());
    }

    @Test
    public void aClosedAttachmentDetachesOnlyItsVm() throws Exception {
        InProcessNetPair pair = NetPairRegistry.create("p1");
        NetBackend primary = NetBackends.open("pair:p1");
        List<byte[]> primaryGot = new ArrayList<>();
        primary.setReceiver(primaryGot::add);
        primary.close();
        assertThrows(java.io.IOException.class, () -> primary.send(new byte[1]));
        pair.b().send(new byte[1]);
        assertTrue(primaryGot.isEmpty());

        NetBackend standby = NetBackends.open("pair:p1");
        List<byte[]> standbyGot = new ArrayList<>();
        standby.setReceiver(standbyGot::add);
        primary.close(); // again: must not detach the standby
        pair.b().send(new byte[1]);
        assertEquals(1, standbyGot.size());
        standby.send(new byte[1]);
    }

    @Test
    public void pairNamesMustBeUnique() {
        NetPairRegistry.create("p1");
        assertThrows(IllegalStateException.class, () -> NetPairRegistry.create("p1"));
    }

    @Test
    public void unknownFormsAreRefusedClearly() {
        assertRefused("vde:/tmp/sock", "unknown NIC backend");
        assertRefused("", "unknown NIC backend");
        assertRefused("TAP:x", "unknown NIC backend");
        assertRefused("tap:", "not a valid interface name");
        assertRefused("tap:a/b", "not a valid interface name");
        assertRefused("tap:name-far-too-long", "not a valid interface name");
        assertRefused("pair:", "names no pair");
        assertRefused("pair:nobody", "no in-process net pair named 'nobody'");
    }

    private static void assertRefused(String backend, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetBackends.open(backend));
        assertTrue(e.getMessage(), e.getMessage().contains(message));
    }
}
