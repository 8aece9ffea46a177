package org.kemari.transport.tcp.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.Test;
import org.kemari.api.transport.TransportException;
import org.kemari.api.transport.TransportException.Reason;

public class HandshakeTest {
    private final Handshake ours = Handshake.current(1 << 20);

    @Test
    public void acceptsTheSameMajorAndAnyMinor() throws Exception {
        Handshake theirs = new Handshake(Handshake.CURRENT_MAJOR, 7, 4096);
        assertEquals(theirs, ours.accept(theirs.encode(), "peer"));
    }

    @Test
    public void refusesAnotherMajorNamingBothVersions() {
        TransportException e = assertThrows(TransportException.class,
                () -> ours.accept(new Handshake(2, 3, 4096).encode(), "10.0.0.2:7788"));
        assertEquals(Reason.INCOMPATIBLE_PEER, e.reason());
        assertEquals("peer 10.0.0.2:7788 speaks link protocol 2.3, this side speaks 1.0 (major versions must match)",
                e.getMessage());
    }

    @Test
    public void refusesAForeignProtocol() {
        ByteBuffer http = ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        TransportException e = assertThrows(TransportException.class, () -> ours.accept(http, "x"));
        assertEquals(Reason.INCOMPATIBLE_PEER, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("not a Kemari replication link peer"));
    }

    @Test
    public void refusesACorruptHello() {
        ByteBuffer hello = ours.encode();
        hello.put(9, (byte) ~hello.get(9));
        TransportException e = assertThrows(TransportException.class, () -> ours.accept(hello, "x"));
        assertTrue(e.getMessage(), e.getMessage().contains("corrupt handshake"));
    }
}
