package org.kemari.core.internal.stream;

import static org.junit.Assert.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.junit.Test;

/** The worked example of docs/specs/epoch-stream.md, byte for byte. */
public class EpochStreamFormatExampleTest {

    @Test
    public void workedExample() throws Exception {
        List<ByteBuffer> frames = new ArrayList<>();
        EpochStreamWriter w = new EpochStreamWriter(f -> frames.add(RecordEncoder.concat(Arrays.asList(f))), 1 << 20);
        w.writeHeader(StreamHeader.current("vm1", 0));
        w.beginEpoch(7, 1, 1);
        byte[] page = new byte[4096];
        Arrays.fill(page, (byte) 0xAB);
        w.pages(0x10, ByteBuffer.wrap(page));
        EpochEnd end = w.endEpoch();
        assertEquals(0x4411fe28, end.epochCrc());
        assertEquals(1, frames.size());
        ByteBuffer f = frames.get(0);
        assertEquals(0x1090, f.remaining());
        assertEquals("4b454d4152495354" + "0100000020000300" + "00000000766d3100" + "00000000dd478f8e", hex(f, 0, 32));
        assertEquals("0100000018000000" + "0700000000000000" + "0100000000000000" + "0100000000000000"
                + "0000000076f30793", hex(f, 0x20, 40));
        assertEquals("0200000010100000" + "1000000000000000" + "0100000000000000", hex(f, 0x48, 24));
        assertEquals("00000000376931dc", hex(f, 0x1060, 8));
        assertEquals("0400000018000000" + "0700000000000000" + "0100000000000000" + "0100000028fe1144"
                + "00000000c759f8cd", hex(f, 0x1068, 40));
    }

    private static String hex(ByteBuffer b, int from, int length) {
        byte[] bytes = new byte[length];
        b.get(from, bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
