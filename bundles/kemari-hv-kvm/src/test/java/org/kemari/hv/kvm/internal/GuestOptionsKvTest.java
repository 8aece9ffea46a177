package org.kemari.hv.kvm.internal;

import static org.junit.Assert.*;

import java.util.Map;

import org.junit.Test;

/** The KV_SERVER's guest options: the {@code kv} workload bit and its port and log region keys. */
public class GuestOptionsKvTest {

    @Test
    public void kvWorkloadAndKeys() {
        GuestOptions o = GuestOptions.parse(Map.of(GuestOptions.WORKLOADS, "net, kv", GuestOptions.KV_PORT, "9100",
                GuestOptions.KV_LOG_START, "100", GuestOptions.KV_LOG_BLOCKS, "20"));
        assertEquals(GuestOptions.NET_RESPONDER | GuestOptions.KV_SERVER, o.workloads());
        assertEquals(9100, o.kvPort());
        assertEquals(100, o.kvLogStart());
        assertEquals(20, o.kvLogBlocks());

        GuestOptions defaults = GuestOptions.parse(Map.of(GuestOptions.WORKLOADS, "kv"));
        assertEquals(8, defaults.workloads());
        assertEquals("0: the guest's default port 9000", 0, defaults.kvPort());
        assertEquals("0 blocks: the upper half of the disk", 0, defaults.kvLogBlocks());
    }

    @Test
    public void badKvOptionsAreRefusedNamingTheKey() {
        assertRefused(Map.of(GuestOptions.KV_PORT, "65536"), GuestOptions.KV_PORT);
        assertRefused(Map.of(GuestOptions.KV_PORT, "-1"), GuestOptions.KV_PORT);
        assertRefused(Map.of(GuestOptions.KV_LOG_BLOCKS, "lots"), GuestOptions.KV_LOG_BLOCKS);
        assertRefused(Map.of(GuestOptions.WORKLOADS, "kvs"), GuestOptions.WORKLOADS);
    }

    private static void assertRefused(Map<String, String> options, String key) {
        try {
            GuestOptions.parse(options);
            fail("accepted " + options);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith(key));
        }
    }
}
