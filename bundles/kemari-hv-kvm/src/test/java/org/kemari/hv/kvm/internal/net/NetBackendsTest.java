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
        NetBackend other = NetBackends.open("pair:p1:b");
        assertSame(pair.a(), vm);
        assertSame(pair.b(), other);
        assertSame(pair.a(), NetBackends.open("pair:p1:a"));
        List<byte[]> got = new ArrayList<>();
        other.setReceiver(got::add);
        byte[] frame = {1, 2, 3};
        vm.send(frame);
        frame[0] = 9;
        assertEquals(1, got.size());
        assertEquals("the frame is copied", 1, got.get(0)[0]);
        vm.send(new byte[1]); // fine
        other.setReceiver(null);
        vm.send(new byte[1]);
        assertEquals("no receiver: dropped", 1, other.droppedFrames());
        vm.close();
        assertThrows(java.io.IOException.class, () -> vm.send(new byte[1]));
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
