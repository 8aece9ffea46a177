package org.kemari.transport.tcp.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.TransportException;
import org.kemari.api.transport.TransportException.Reason;

public class FrameSizeTest extends LinkTestBase {

    @Test
    public void theSenderRefusesAFrameOverTheMaximumAndTheLinkStaysUsable() throws Exception {
        TcpSettings small = TcpSettings.defaults().withMaxFrameBytes(4096);
        LinkPair pair = pair(small, small);
        TransportException e = assertThrows(TransportException.class,
                () -> pair.primary().send(bytes(4000, 1), bytes(97, 2)));
        assertEquals(Reason.BAD_CONFIGURATION, e.reason());
        assertTrue(e.getMessage(), e.getMessage().startsWith("frame of 4097 bytes exceeds the max frame size"));
        pair.primary().send(bytes(4096, 3));
        assertFrame(bytes(4096, 3), receiveOrFail(pair.standby()));
    }

    @Test
    public void theSenderHonoursThePeersSmallerMaximum() throws Exception {
        LinkPair pair = pair(TcpSettings.defaults(), TcpSettings.defaults().withMaxFrameBytes(2048));
        TransportException e = assertThrows(TransportException.class, () -> pair.primary().send(bytes(2049, 1)));
        assertTrue(e.getMessage(), e.getMessage().contains("2048 at the peer"));
    }

    @Test
    public void theReceiverRefusesAFrameOverItsMaximum() throws Exception {
        LinkListener listener = listen(transport(TcpSettings.defaults().withMaxFrameBytes(4096)));
        Future<ReplicationLink> accepting = inBackground(() -> listener.accept(5000));
        try (RawPeer primary = RawPeer.connect(listener.boundAddress().port())
                .handshake(Handshake.current(1 << 30))) {
            ReplicationLink link = closeLater(accepting.get(5, TimeUnit.SECONDS));
            // A well-formed header announcing 1 GiB: refused before anything is allocated.
            ByteBuffer header = new FrameHeader(FrameKind.DATA, 1 << 30, 0).toBuffer();
            primary.write(header);
            TransportException e = assertThrows(TransportException.class, () -> link.receive(5000));
            assertEquals(Reason.CORRUPTED, e.reason());
            assertTrue(e.getMessage(), e.getMessage().endsWith(
                    "frame of 1073741824 bytes exceeds max.frame.bytes=4096 of this side"));
        }
    }
}
