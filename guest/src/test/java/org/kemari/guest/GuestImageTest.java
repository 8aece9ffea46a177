package org.kemari.guest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.junit.Test;

public class GuestImageTest {

    private static ByteBuffer le(byte[] image) {
        return ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    public void imageIsPresentAndSmall() {
        byte[] image = GuestImage.bytes();
        assertTrue("image is empty", image.length > 0);
        assertTrue("image is " + image.length + " bytes, expected < 256 KiB", image.length < 256 * 1024);
    }

    @Test
    public void entryJumpsOverTheHeader() {
        byte[] image = GuestImage.bytes();
        // jmp rel8 to the first instruction after the 32-byte header: the entry is the first byte.
        assertEquals("entry opcode", (byte) 0xEB, image[0]);
        assertEquals("jump target", 32, 2 + image[1]);
    }

    @Test
    public void headerMatchesAbiVersionAndSize() {
        byte[] image = GuestImage.bytes();
        ByteBuffer b = le(image);
        assertEquals("KEMGUEST", new String(image, 8, 8, StandardCharsets.US_ASCII));
        assertEquals(GuestImage.ABI_VERSION, b.getInt(16));
        assertEquals(32, b.getInt(20));
        assertEquals("header image size", image.length, b.getLong(24));
        assertEquals("image is page aligned (the heap starts after it)", 0, image.length % 4096);
    }

    @Test
    public void eachCallReturnsAFreshCopy() {
        byte[] a = GuestImage.bytes();
        byte[] b = GuestImage.bytes();
        assertNotSame(a, b);
        assertArrayEquals(a, b);
        a[0] = 0;
        assertEquals((byte) 0xEB, GuestImage.bytes()[0]);
    }
}
