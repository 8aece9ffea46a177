package org.kemari.transport.tcp.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;

import org.junit.Test;

public class FrameHeaderTest {

    @Test
    public void roundTrips() throws Exception {
        FrameHeader h = new FrameHeader(FrameKind.DATA, 4096, 0x12345678);
        FrameHeader back = FrameHeader.decode(h.toBuffer(), 1 << 20);
        assertEquals(h, back);
        assertEquals(FrameHeader.control(FrameKind.HEARTBEAT), FrameHeader.decode(
                FrameHeader.control(FrameKind.HEARTBEAT).toBuffer(), 1024));
    }

    @Test
    public void everySingleByteFlipIsDetected() {
        ByteBuffer good = new FrameHeader(FrameKind.DATA, 100, 42).toBuffer();
        for (int i = 0; i < FrameHeader.SIZE; i++) {
            ByteBuffer bad = ByteBuffer.allocate(FrameHeader.SIZE).put(good.duplicate()).flip();
            bad.put(i, (byte) ~bad.get(i));
            assertThrows("flip at " + i, FramingException.class, () -> FrameHeader.decode(bad, 1 << 20));
        }
    }

    @Test
    public void aCorruptLengthIsRefusedBeforeItIsTrusted() {
        ByteBuffer bad = new FrameHeader(FrameKind.DATA, 100, 42).toBuffer();
        bad.put(0, (byte) 0x7f); // claims ~2 GB
        FramingException e = assertThrows(FramingException.class, () -> FrameHeader.decode(bad, 1 << 20));
        assertTrue(e.getMessage(), e.getMessage().contains("checksum"));
    }

    @Test
    public void zeroesAreNotAFrame() {
        assertThrows(FramingException.class, () -> FrameHeader.decode(ByteBuffer.allocate(16), 1 << 20));
    }

    @Test
    public void aFrameOverTheMaximumIsRefused() {
        ByteBuffer big = new FrameHeader(FrameKind.DATA, 2048, 0).toBuffer();
        FramingException e = assertThrows(FramingException.class, () -> FrameHeader.decode(big, 1024));
        assertEquals("frame of 2048 bytes exceeds max.frame.bytes=1024 of this side", e.getMessage());
    }

    @Test
    public void controlFramesCarryNoPayload() {
        ByteBuffer hb = new FrameHeader(FrameKind.HEARTBEAT, 8, 0).toBuffer();
        FramingException e = assertThrows(FramingException.class, () -> FrameHeader.decode(hb, 1024));
        assertTrue(e.getMessage(), e.getMessage().contains("HEARTBEAT frame with a payload"));
    }
}
