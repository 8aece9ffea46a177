package org.kemari.core.internal.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.After;
import org.junit.Test;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.core.internal.engine.WireStream.Rec;
import org.kemari.core.internal.stream.Refuse;
import org.kemari.transport.tcp.internal.TcpSettings;
import org.kemari.transport.tcp.internal.TcpTransport;

/**
 * Issue #12, defect 7: about five lines per refused stream (the same message at WARN and ERROR),
 * so that a fuzzer or a port scan rolled the log over. Now one line per refused peer, rate-limited
 * per source host. (The tests' SLF4J binding writes to System.err, captured here.)
 */
public class RefusalLogLinesTest {
    private final PrintStream realErr = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final TcpTransport primaries = new TcpTransport(TcpSettings.defaults());
    private StandbyNode standby;

    @After
    public void tearDown() throws Exception {
        System.setErr(realErr);
        primaries.close();
        if (standby != null) {
            standby.close();
        }
    }

    @Test
    public void tenRefusedStreamsFromOneHostAreOneLine() throws Exception {
        startCapturing();
        // A refused stream: epoch 0 before the VM_SPEC.
        List<Rec> broken = WireStream.epoch(0, List.of(WireStream.pages(0, 1, 1)));
        for (int i = 0; i < 10; i++) {
            try (ReplicationLink link = primaries.connect(standby.manager.standbyAddress(), 2_000)) {
                assertTrue(HostilePrimaryTest.exchange(link, WireStream.frames(WireStream.header("fz", 0), broken, 0))
                        instanceof Refuse);
            }
        }
        List<String> lines = standbySideLines();
        String all = String.join("\n", lines);
        assertEquals(all, 1, lines.size());
        assertTrue(all, lines.get(0).contains("WARN") && lines.get(0).contains("Standby refused primary 127.0.0.1:")
                && lines.get(0).endsWith("fz: epoch 0 began before the VM_SPEC; nothing committed yet"));
    }

    @Test
    public void aPortScanIsOneLine() throws Exception {
        startCapturing();
        for (int i = 0; i < 20; i++) {
            try {
                new Socket(InetAddress.getLoopbackAddress(), standby.port()).close();
            } catch (java.net.ConnectException e) {
                // a listener that is closed at the moment refuses too: the lines are what is asserted
            }
        }
        List<String> lines = standbySideLines();
        String all = String.join("\n", lines);
        assertEquals(all, 1, lines.size());
        assertTrue(all, lines.get(0).contains("WARN") && lines.get(0).contains("Refused a peer"));
    }

    private void startCapturing() throws Exception {
        standby = new StandbyNode();
        standby.awaitListening();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    /** Kemari's log lines on the standby's side (the hand-played primaries' own lines left out). */
    private List<String> standbySideLines() throws InterruptedException {
        Thread.sleep(500);
        System.err.flush();
        return Arrays.stream(captured.toString(StandardCharsets.UTF_8).split("\n")).filter(l -> l.contains("org.kemari"))
                .filter(l -> !l.contains("kemari-tcp-reader standby") && !l.contains("to standby"))
                .filter(l -> !l.contains("Standby listening on") && !l.contains("Listening for primaries")).toList();
    }
}
