package org.kemari.transport.tcp.internal;

import static org.junit.Assert.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

/** Several threads send on one link while heartbeats (every 1 ms) compete for it. */
public class ConcurrentSendTest extends LinkTestBase {
    private static final int SENDERS = 4;
    private static final int FRAMES = 2000;

    @Test
    public void framesOfConcurrentSendersStayWholeAndOrderedPerSender() throws Exception {
        TcpSettings fastHeartbeat = TcpSettings.defaults().withHeartbeatIntervalMillis(1);
        LinkPair pair = pair(fastHeartbeat, fastHeartbeat);
        List<Future<Void>> senders = new ArrayList<>();
        for (int s = 0; s < SENDERS; s++) {
            int sender = s;
            senders.add(inBackground(() -> {
                for (int i = 0; i < FRAMES; i++) {
                    ByteBuffer head = ByteBuffer.allocate(8).putInt(sender).putInt(i).flip();
                    pair.primary().send(head, bytes(100 + (i % 7) * 600, sender * FRAMES + i));
                }
                return null;
            }));
        }
        int[] next = new int[SENDERS];
        for (int n = 0; n < SENDERS * FRAMES; n++) {
            ByteBuffer f = receiveOrFail(pair.standby());
            int sender = f.getInt();
            int seq = f.getInt();
            assertEquals("sequence of sender " + sender, next[sender], seq);
            assertFrame(bytes(100 + (seq % 7) * 600, sender * FRAMES + seq), f);
            next[sender]++;
        }
        for (Future<Void> s : senders) {
            s.get(10, TimeUnit.SECONDS);
        }
    }
}
