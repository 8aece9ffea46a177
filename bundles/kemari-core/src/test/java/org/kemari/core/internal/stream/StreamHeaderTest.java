package org.kemari.core.internal.stream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import org.junit.Test;
import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.epoch.StreamFormatException.Reason;

/** The header's refusals: magic, versions, checksum, flags, truncation. */
public class StreamHeaderTest {

    private static StreamFormatException refused(ByteBuffer b) {
        try {
            StreamHeader.decode(b);
            fail("accepted");
            return null;
        } catch (StreamFormatException e) {
            return e;
        }
    }

    /** A header with a patched field and a CRC made valid again. */
    private static ByteBuffer patched(int offset, short value) {
        ByteBuffer b = StreamHeader.current("vm1", 0).encode().order(StreamFormat.ORDER);
        b.putShort(offset, value);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.capacity() - 4);
        b.putInt(b.capacity() - 4, (int) crc.getValue());
        return b;
    }

    @Test
    public void wrongMagic() {
        ByteBuffer b = StreamHeader.current("vm1", 0).encode();
        b.put(0, "NOTKEMAR".getBytes(StandardCharsets.US_ASCII));
        StreamFormatException e = refused(b);
        assertEquals(Reason.BAD_MAGIC, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("KEMARIST") && e.getMessage().contains("NOTKEMAR"));
        assertEquals(Reason.BAD_MAGIC, refused(ByteBuffer.wrap("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII))).reason());
    }

    @Test
    public void newerMajorNamesBothVersions() {
        StreamFormatException e = refused(patched(8, (short) 2));
        assertEquals(Reason.UNSUPPORTED_VERSION, e.reason());
        assertEquals("peer speaks epoch stream 2.0, this node reads 1.x", e.getMessage());
    }

    @Test
    public void newerMajorIsRecognisedEvenIfItsLayoutChanged() {
        ByteBuffer b = patched(8, (short) 3);
        b.putInt(b.capacity() - 4, 0); // a 3.0 header need not have our CRC
        b.putShort(12, (short) 4000);
        assertEquals(Reason.UNSUPPORTED_VERSION, refused(b).reason());
    }

    @Test
    public void majorZeroIsInvalid() {
        assertEquals(Reason.UNSUPPORTED_VERSION, refused(patched(8, (short) 0)).reason());
    }

    @Test
    public void newerMinorIsRead() throws Exception {
        assertEquals(7, StreamHeader.decode(patched(10, (short) 7)).minor());
    }

    @Test
    public void unknownMustUnderstandFlagIsRefused() {
        StreamFormatException e = refused(patched(16, (short) 0x4));
        assertEquals(Reason.UNSUPPORTED_VERSION, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("0x0004"));
    }

    @Test
    public void unknownOptionalFlagIsIgnored() throws Exception {
        assertEquals(0x40000, StreamHeader.decode(patched(18, (short) 0x4)).flags());
    }

    @Test
    public void corruptHeaderFailsItsChecksum() {
        ByteBuffer b = StreamHeader.current("vm1", 0).encode();
        b.put(21, (byte) 'X');
        assertEquals(Reason.BAD_CHECKSUM, refused(b).reason());
    }

    @Test
    public void truncatedHeader() {
        ByteBuffer b = StreamHeader.current("vm1", 0).encode();
        for (int cut = 8; cut < b.capacity(); cut++) {
            assertEquals("cut at " + cut, Reason.TRUNCATED, refused(b.slice(0, cut)).reason());
        }
    }
}
