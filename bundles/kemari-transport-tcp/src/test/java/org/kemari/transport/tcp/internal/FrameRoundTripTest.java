package org.kemari.transport.tcp.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.nio.ByteBuffer;

import org.junit.Test;

public class FrameRoundTripTest extends LinkTestBase {

    @Test
    public void framesArriveWholeAndInOrderBothWays() throws Exception {
        LinkPair pair = pair();
        for (int i = 0; i < 1000; i++) {
            pair.primary().send(bytes(1 + i % 300, i));
        }
        for (int i = 0; i < 1000; i++) {
            assertFrame(bytes(1 + i % 300, i), receiveOrFail(pair.standby()));
        }
        pair.standby().send(bytes(8, 99));
        assertFrame(bytes(8, 99), receiveOrFail(pair.primary()));
    }

    @Test
    public void emptyFramesAreDelivered() throws Exception {
        LinkPair pair = pair();
        pair.primary().send();
        pair.primary().send(ByteBuffer.allocate(0));
        assertEquals(0, receiveOrFail(pair.standby()).remaining());
        assertEquals(0, receiveOrFail(pair.standby()).remaining());
    }

    @Test
    public void largeFramesUpToTheMaximum() throws Exception {
        LinkPair pair = pair();
        int max = TcpSettings.defaults().maxFrameBytes();
        ByteBuffer big = bytes(max, 3);
        pair.primary().send(big);
        pair.primary().send(bytes(10, 4));
        assertFrame(big, receiveOrFail(pair.standby()));
        assertFrame(bytes(10, 4), receiveOrFail(pair.standby()));
    }

    @Test
    public void gatheredBuffersMakeOneFrameAndStayUntouched() throws Exception {
        LinkPair pair = pair();
        ByteBuffer header = bytes(24, 1);
        ByteBuffer page = ByteBuffer.allocateDirect(4096).put(bytes(4096, 2)).flip();
        ByteBuffer empty = ByteBuffer.allocate(0);
        ByteBuffer tail = bytes(3, 5);
        pair.primary().send(header, page, empty, tail);

        ByteBuffer expected = ByteBuffer.allocate(24 + 4096 + 3)
                .put(header.duplicate()).put(page.duplicate()).put(tail.duplicate()).flip();
        assertFrame(expected, receiveOrFail(pair.standby()));
        assertEquals("caller's position", 0, page.position());
        assertEquals("caller's limit", 4096, page.limit());
    }

    @Test
    public void receiveTimesOutWithNull() throws Exception {
        LinkPair pair = pair();
        assertNull(pair.standby().receive(50));
    }
}
