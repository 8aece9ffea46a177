package org.kemari.core.internal.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.TransportException;
import org.kemari.core.internal.engine.WireStream.Rec;
import org.kemari.core.internal.stream.Ack;
import org.kemari.core.internal.stream.ControlChannel;
import org.kemari.core.internal.stream.Refuse;
import org.kemari.core.internal.stream.RefuseReason;
import org.kemari.core.internal.stream.StreamRecord;
import org.kemari.transport.tcp.internal.TcpSettings;
import org.kemari.transport.tcp.internal.TcpTransport;

/**
 * A standby survives any peer (issue #12): a real standby node on loopback, primaries played by
 * hand. Each refused stream ends with a REFUSE, leaves no session behind, frees the VM's name and
 * never touches the listener.
 */
public class HostilePrimaryTest {
    static final String VM = "fz";
    private StandbyNode standby;
    private final TcpTransport primaries = new TcpTransport(TcpSettings.defaults());

    @Before
    public void setUp() throws Exception {
        standby = new StandbyNode();
        standby.awaitListening();
    }

    @After
    public void tearDown() throws Exception {
        primaries.close();
        standby.close();
    }

    static VmSpec spec(long memory, List<VmSpec.DiskSpec> disks) {
        return new VmSpec(VM, memory, 1, "fake", disks, List.of(), Map.of());
    }

    /** A whole valid stream of a 1 MiB VM: header, VM_SPEC, epoch 0 with a few pages. */
    static List<Rec> validStream() {
        List<Rec> r = new ArrayList<>();
        r.add(WireStream.vmSpec(StandbyNode.BACKEND, spec(1 << 20, List.of())));
        r.addAll(WireStream.epoch(0, List.of(WireStream.pages(0, 2, 7), WireStream.pages(100, 1, 9))));
        return r;
    }

    /** Sends the frames and returns the standby's first control record, or null if the link just ended. */
    static StreamRecord exchange(ReplicationLink link, List<ByteBuffer> frames) throws Exception {
        for (ByteBuffer f : frames) {
            try {
                link.send(f);
            } catch (TransportException e) {
                break; // refused already: read the REFUSE
            }
        }
        try {
            ByteBuffer reply = link.receive(5_000);
            assertNotNull("the standby answered nothing within 5 s", reply);
            return new ControlChannel().decodeFrame(reply).get(0);
        } catch (TransportException e) {
            return null;
        }
    }

    private ReplicationLink connect() throws TransportException {
        return primaries.connect(standby.manager.standbyAddress(), 2_000);
    }

    private Refuse refusalOf(List<Rec> records) throws Exception {
        try (ReplicationLink link = connect()) {
            StreamRecord reply = exchange(link, WireStream.frames(WireStream.header(VM, 0), records, 0));
            assertTrue("expected a REFUSE, got " + reply, reply instanceof Refuse);
            return (Refuse) reply;
        }
    }

    /** After any refusal: nothing left behind, the name free, a real primary accepted. */
    private void assertAValidPrimaryIsStillAccepted() throws Exception {
        EngineRig.await(() -> standby.liveSessions() == 0, 5_000, () -> "no live session: " + standby.manager.list());
        try (ReplicationLink link = connect()) {
            StreamRecord reply = exchange(link, WireStream.frames(WireStream.header(VM, 0), validStream(), 0));
            assertEquals(new Ack(0), reply);
            link.send(WireStream.frame(List.of(WireStream.endOfProtection(0))));
        }
        EngineRig.await(() -> standby.liveSessions() == 0, 5_000, () -> "the valid session ended: " + standby.manager.list());
    }

    /** Issue #12, defect 2: a plain connect-and-close closed the listener for a second. */
    @Test
    public void peersThatConnectAndCloseNeverCloseTheListener() throws Exception {
        Endpoint at = standby.manager.standbyAddress();
        for (int i = 0; i < 30; i++) {
            new Socket(InetAddress.getLoopbackAddress(), at.port()).close();
            if (i % 3 == 2) {
                try (ReplicationLink link = primaries.connect(at, 2_000)) {
                    assertTrue(link.isOpen());
                }
            }
            assertTrue(standby.manager.standbyListenerState(), standby.manager.standbyListenerState().startsWith("listening on"));
        }
        assertAValidPrimaryIsStillAccepted();
    }

    /** Issue #12, defect 4: an epoch number of 2^63 or more ended the session thread without a REFUSE. */
    @Test
    public void anEpochNumberBeyondTwoToTheSixtyThreeIsRefused() throws Exception {
        Refuse r = refusalOf(List.of(WireStream.vmSpec(StandbyNode.BACKEND, spec(1 << 20, List.of())),
                WireStream.epochBegin(1L << 63, 0, 0)));
        assertEquals(RefuseReason.MALFORMED, r.reason());
        assertTrue(r.text(), r.text().contains("epoch number 9223372036854775808"));
        assertAValidPrimaryIsStillAccepted();
    }

    /** Issue #12, defect 4: a VM_SPEC whose replicated disk has a relative path ended the session thread. */
    @Test
    public void aReplicatedDiskWithARelativePathIsRefused() throws Exception {
        Rec spec = WireStream.vmSpec(StandbyNode.BACKEND, spec(1 << 20, List.of(new VmSpec.DiskSpec("vda", "x", false))));
        // The spec's own constructor would refuse this path: patch it into the encoded record.
        byte[] p = spec.payload();
        String s = new String(p, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = s.indexOf("\u0001\u0000x");
        byte[] patched = new byte[p.length + "replicated:".length()];
        System.arraycopy(p, 0, patched, 0, at);
        byte[] path = "replicated:x".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ByteBuffer.wrap(patched, at, 2).order(java.nio.ByteOrder.LITTLE_ENDIAN).putShort((short) path.length);
        System.arraycopy(path, 0, patched, at + 2, path.length);
        System.arraycopy(p, at + 3, patched, at + 2 + path.length, p.length - at - 3);
        Refuse r = refusalOf(List.of(spec.withPayload(patched)));
        assertEquals(RefuseReason.MALFORMED, r.reason());
        assertTrue(r.text(), r.text().contains("needs an absolute image path"));
        assertAValidPrimaryIsStillAccepted();
    }

    /** Issue #12, defect 5: records after END_OF_PROTECTION were taken (epoch 1 even committed). */
    @Test
    public void recordsAfterEndOfProtectionAreRefused() throws Exception {
        List<Rec> records = new ArrayList<>(validStream());
        records.add(WireStream.endOfProtection(0));
        records.addAll(WireStream.epoch(1, List.of(WireStream.pages(3, 1, 1))));
        Refuse r = refusalOf(records);
        assertEquals(RefuseReason.MALFORMED, r.reason());
        assertTrue(r.text(), r.text().contains("after END_OF_PROTECTION"));
        assertAValidPrimaryIsStillAccepted();
    }

    /** Issue #12, defect 6: a VM_SPEC claiming 16 TiB made the standby reserve 16 TiB of address space at once. */
    @Test
    public void aVmClaimingMoreMemoryThanTheLimitIsRefusedBeforeAnythingIsReserved() throws Exception {
        long mappingsBefore = mappings();
        Refuse r = refusalOf(List.of(WireStream.vmSpec(StandbyNode.BACKEND, spec(16L << 40, List.of())),
                WireStream.epochBegin(0, -1, -1)));
        assertEquals(RefuseReason.STANDBY_FAILURE, r.reason());
        assertTrue(r.text(), r.text().contains("16777216 MiB of memory, more than this standby takes (standby.maxGuestMemoryMiB="));
        long grown = mappings() - mappingsBefore;
        assertTrue("the process gained " + grown + " mappings", grown < 200);
        assertAValidPrimaryIsStillAccepted();
    }

    /**
     * Issue #12, defect 4's consequence: a session "receiving the initial copy" forever holds its
     * VM's name and refuses the real primary. A peer that names a VM and then sends nothing is
     * refused once the initial copy's time (initialSyncTimeoutMillis) is up.
     */
    @Test
    public void aPeerThatNamesAVmAndFallsSilentIsRefusedWhenTheInitialCopyTimeIsUp() throws Exception {
        standby.close();
        standby = new StandbyNode(new TcpTransport(TcpSettings.defaults()), Map.of("initialSyncTimeoutMillis", 300L));
        standby.awaitListening();
        try (ReplicationLink link = connect()) {
            StreamRecord reply = exchange(link, WireStream.frames(WireStream.header(VM, 0),
                    List.of(WireStream.vmSpec(StandbyNode.BACKEND, spec(1 << 20, List.of()))), 0));
            assertTrue("expected a REFUSE, got " + reply, reply instanceof Refuse);
            assertTrue(((Refuse) reply).text(), ((Refuse) reply).text().contains("the initial copy was not complete within 300 ms (the standby's initialSyncTimeoutMillis)"));
        }
        assertAValidPrimaryIsStillAccepted();
    }

    /** Lines of /proc/self/maps: one per mapping of this process. */
    static long mappings() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/maps")).size();
    }
}
