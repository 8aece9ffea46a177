package org.kemari.api.io;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.junit.Test;

public class EpochOutputBufferTest {

    private final List<String> log = new ArrayList<>();

    private PendingOutput output(String name, boolean failing) {
        return new PendingOutput() {
            @Override
            public OutputKind kind() {
                return OutputKind.NET_FRAME;
            }

            @Override
            public String deviceId() {
                return "net0";
            }

            @Override
            public int size() {
                return 100;
            }

            @Override
            public void release() throws IOException {
                if (failing) {
                    throw new IOException("link down");
                }
                log.add("release " + name);
            }

            @Override
            public void discard() {
                log.add("discard " + name);
            }
        };
    }

    @Test
    public void releasesOnlyCommittedEpochsInSubmissionOrder() {
        EpochOutputBuffer buffer = new EpochOutputBuffer();
        buffer.add(output("a", false), 1);
        buffer.add(output("b", false), 1);
        buffer.add(output("c", false), 2);
        assertTrue(buffer.releaseThrough(0).isEmpty());
        assertEquals(List.of(), log);
        buffer.releaseThrough(1);
        assertEquals(List.of("release a", "release b"), log);
        assertEquals(1, buffer.size());
        assertEquals(100, buffer.bytes());
        buffer.releaseThrough(2);
        assertEquals(List.of("release a", "release b", "release c"), log);
    }

    @Test
    public void aFailedReleaseIsReportedAndTheRestStillGoOut() {
        EpochOutputBuffer buffer = new EpochOutputBuffer();
        PendingOutput bad = output("bad", true);
        buffer.add(bad, 1);
        buffer.add(output("good", false), 1);
        List<EpochOutputBuffer.ReleaseFailure> failures = buffer.releaseAll();
        assertEquals(1, failures.size());
        assertSame(bad, failures.get(0).output());
        assertEquals("link down", failures.get(0).cause().getMessage());
        assertEquals(List.of("release good"), log);
    }

    @Test
    public void discardAllDropsEverythingWithoutReleasing() {
        EpochOutputBuffer buffer = new EpochOutputBuffer();
        buffer.add(output("a", false), 1);
        buffer.add(output("b", false), 5);
        buffer.discardAll();
        assertEquals(List.of("discard a", "discard b"), log);
        assertEquals(0, buffer.size());
    }
}
