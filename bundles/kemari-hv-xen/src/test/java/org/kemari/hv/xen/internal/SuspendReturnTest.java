package org.kemari.hv.xen.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalLong;

import org.junit.Test;

public class SuspendReturnTest {

    /** header record, CPU records for vCPUs 1 and 0 (rax = 1 + instance), END. */
    private static byte[] context() {
        ByteBuffer b = ByteBuffer.allocate(8 + 24 + 2 * (8 + 1032) + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 1).putShort((short) 0).putInt(24).put(new byte[24]);
        for (int instance : new int[] {1, 0}) {
            b.putShort((short) 2).putShort((short) instance).putInt(1032);
            byte[] cpu = new byte[1032];
            ByteBuffer.wrap(cpu).order(ByteOrder.LITTLE_ENDIAN).putLong(512, 1 + instance).putLong(640, 0xffffffff81000000L);
            b.put(cpu);
        }
        b.putShort((short) 0).putShort((short) 0).putInt(0);
        return b.array();
    }

    @Test
    public void readsAndSetsVcpuZerosRax() {
        byte[] ctx = context();
        assertEquals(OptionalLong.of(1), SuspendReturn.of(ctx));
        byte[] edited = SuspendReturn.with(ctx, 0);
        assertEquals(OptionalLong.of(0), SuspendReturn.of(edited));
        assertEquals("the original is left alone", OptionalLong.of(1), SuspendReturn.of(ctx));
        ByteBuffer e = ByteBuffer.wrap(edited).order(ByteOrder.LITTLE_ENDIAN);
        int cpu1 = 8 + 24 + 8;
        assertEquals("vCPU 1 untouched", 2, e.getLong(cpu1 + 512));
        byte[] back = SuspendReturn.with(edited, 1);
        assertArrayEquals(ctx, back);
    }

    @Test
    public void aBlobWithoutVcpuZeroHasNoAnswer() {
        byte[] truncated = java.util.Arrays.copyOf(context(), 8 + 24 + 100);
        assertTrue(SuspendReturn.of(truncated).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> SuspendReturn.with(truncated, 0));
    }
}
