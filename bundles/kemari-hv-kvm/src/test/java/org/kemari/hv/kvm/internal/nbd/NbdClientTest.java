package org.kemari.hv.kvm.internal.nbd;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.util.Arrays;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** The client against {@link FakeNbdServer}: negotiation, requests, and every way a request can fail. */
public class NbdClientTest {
    private FakeNbdServer server;

    @Before
    public void setUp() throws Exception {
        server = new FakeNbdServer();
        server.export("vm1", 16 << 20, false);
        server.export("ro", 1 << 20, true);
    }

    @After
    public void tearDown() throws Exception {
        server.close();
    }

    private NbdClient connect(String export) throws NbdException {
        return NbdClient.connect(server.uri(export), 2_000, 2_000);
    }

    @Test
    public void negotiatesTheExportAndReadsWhatItWrote() throws Exception {
        try (NbdClient c = connect("vm1")) {
            assertEquals(16 << 20, c.export().sizeBytes());
            assertFalse(c.export().readOnly());
            assertTrue(c.export().acceptsFlush());
            byte[] data = pattern(8192, 3);
            c.write(4096, ByteBuffer.wrap(data));
            c.flush();
            assertArrayEquals(data, Arrays.copyOfRange(server.exports.get("vm1"), 4096, 4096 + 8192));
            ByteBuffer back = ByteBuffer.allocateDirect(8192);
            c.read(4096, back);
            assertEquals("read fills the buffer", 8192, back.position());
            byte[] got = new byte[8192];
            back.flip().get(got);
            assertArrayEquals(data, got);
        }
        // The server counts the DISC on its own thread: look once it has read the connection to its end.
        assertTrue("the server saw the connection end", server.awaitConnectionsEnded(1, 5_000));
        assertEquals("close says goodbye with NBD_CMD_DISC", 1, server.disconnects.get());
    }

    @Test
    public void largeRequestsAreSplit() throws Exception {
        try (NbdClient c = connect("vm1")) {
            byte[] data = pattern(9 << 20, 7);
            c.write(0, ByteBuffer.wrap(data));
            ByteBuffer back = ByteBuffer.allocate(9 << 20);
            c.read(0, back);
            assertArrayEquals(data, back.array());
        }
        assertEquals(NbdClient.MAX_CHUNK_BYTES, server.largestRequest.get());
        assertEquals(6, server.requests.get());
    }

    @Test
    public void anUnknownExportIsNamed() {
        NbdException e = assertThrows(NbdException.class, () -> connect("nope"));
        assertEquals(NbdException.Reason.UNKNOWN_EXPORT, e.reason());
        assertEquals("nbd-server 127.0.0.1:" + server.uri("x").port() + " has no export 'nope' (Export unknown)", e.getMessage());
    }

    @Test
    public void aReadOnlyExportSaysSo() throws Exception {
        try (NbdClient c = connect("ro")) {
            assertTrue(c.export().readOnly());
            NbdException e = assertThrows(NbdException.class, () -> c.write(0, ByteBuffer.allocate(512)));
            assertEquals(NbdException.Reason.REQUEST_FAILED, e.reason());
            assertTrue(e.getMessage(), e.getMessage().endsWith("write of 512 bytes at 0 failed: EPERM (operation not permitted)"));
            c.read(0, ByteBuffer.allocate(512));
        }
    }

    @Test
    public void anErrorReplyFailsOnlyItsRequest() throws Exception {
        try (NbdClient c = connect("vm1")) {
            server.failWith = 28;
            NbdException e = assertThrows(NbdException.class, () -> c.write(0, ByteBuffer.allocate(4096)));
            assertEquals(NbdException.Reason.REQUEST_FAILED, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains("ENOSPC"));
            server.failWith = 0;
            c.write(0, ByteBuffer.wrap(pattern(4096, 1)));
            assertTrue(c.usable());
        }
    }

    @Test
    public void aConnectionLostMidRunFailsThisAndEveryLaterRequest() throws Exception {
        try (NbdClient c = connect("vm1")) {
            server.dropAfterRequests = 2;
            c.write(0, ByteBuffer.allocate(512));
            c.read(0, ByteBuffer.allocate(512));
            NbdException lost = assertThrows(NbdException.class, () -> c.write(512, ByteBuffer.allocate(512)));
            assertEquals(NbdException.Reason.CONNECTION_LOST, lost.reason());
            assertTrue(lost.getMessage(), lost.getMessage().startsWith("lost the connection to nbd-server 127.0.0.1:"));
            assertTrue(lost.getMessage(), lost.getMessage().endsWith("during write: the server closed the connection"));
            assertFalse(c.usable());
            long t0 = System.nanoTime();
            NbdException later = assertThrows(NbdException.class, () -> c.read(0, ByteBuffer.allocate(512)));
            assertTrue("fails at once", System.nanoTime() - t0 < 100_000_000L);
            assertTrue(later.getMessage(), later.getMessage().contains("was lost earlier: the server closed the connection"));
        }
    }

    @Test
    public void aServerThatStopsAnsweringTimesOutInsteadOfHanging() throws Exception {
        try (NbdClient c = NbdClient.connect(server.uri("vm1"), 2_000, 200)) {
            server.silent = true;
            long t0 = System.nanoTime();
            NbdException e = assertThrows(NbdException.class, () -> c.read(0, ByteBuffer.allocate(512)));
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
            assertEquals(NbdException.Reason.CONNECTION_LOST, e.reason());
            assertTrue(e.getMessage(), e.getMessage().endsWith("during read: no reply within the request timeout"));
        }
    }

    @Test
    public void nothingListeningIsRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        NbdException e = assertThrows(NbdException.class, () -> NbdClient.connect(new NbdUri("127.0.0.1", port, "x"), 2_000, 2_000));
        assertEquals(NbdException.Reason.UNREACHABLE, e.reason());
        assertEquals("nbd-server 127.0.0.1:" + port + " refused the connection", e.getMessage());
    }

    @Test
    public void aPeerThatIsNotAnNbdServerIsNamed() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (var sock = s.accept()) {
                    sock.getOutputStream().write("SSH-2.0-OpenSSH_9.2\r\n".getBytes());
                    sock.getOutputStream().flush();
                    Thread.sleep(200);
                } catch (Exception e) {
                    // test over
                }
            });
            t.start();
            NbdException e = assertThrows(NbdException.class,
                    () -> NbdClient.connect(new NbdUri("127.0.0.1", s.getLocalPort(), "x"), 2_000, 2_000));
            assertEquals(NbdException.Reason.NOT_NBD, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains("is not an NBD server"));
            t.join();
        }
    }

    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i * 7);
        }
        return b;
    }
}
