package org.kemari.guest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** The KV log verifier on images written here the way the guest ABI describes. */
public class GuestKvLogTest {
    private static final long LOG_START = 4;
    private Path disk;

    @Before
    public void setUp() throws IOException {
        disk = Files.createTempFile("kvlog", ".img");
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(ByteBuffer.allocate(8 * GuestDiskPattern.BLOCK_SIZE), 0);
        }
    }

    @After
    public void tearDown() throws IOException {
        Files.deleteIfExists(disk);
    }

    @Test
    public void acknowledgedPutsOnDiskPass() throws IOException {
        List<GuestKvLog.Put> puts = List.of(new GuestKvLog.Put(0, "a", "one"), new GuestKvLog.Put(1, "b", "two"),
                new GuestKvLog.Put(9, "a", "ten words here"));
        for (GuestKvLog.Put p : puts) {
            write(p, false);
        }
        assertNull(GuestKvLog.verify(disk, LOG_START, puts));
    }

    @Test
    public void aMissingRecordIsNamed() throws IOException {
        write(new GuestKvLog.Put(0, "a", "one"), false);
        String problem = GuestKvLog.verify(disk, LOG_START, List.of(new GuestKvLog.Put(0, "a", "one"), new GuestKvLog.Put(1, "b", "x")));
        assertTrue(problem, problem.startsWith("record 1 (acknowledged PUT b x) is not on the disk"));
    }

    @Test
    public void anotherValueOrATornRecordIsNamed() throws IOException {
        write(new GuestKvLog.Put(3, "k", "old"), false);
        assertEquals("record 3 (acknowledged PUT k new): the disk has PUT k old",
                GuestKvLog.verify(disk, LOG_START, List.of(new GuestKvLog.Put(3, "k", "new"))));
        write(new GuestKvLog.Put(5, "k", "v"), true);
        assertEquals("record 5 (acknowledged PUT k v) is torn: checksum mismatch",
                GuestKvLog.verify(disk, LOG_START, List.of(new GuestKvLog.Put(5, "k", "v"))));
    }

    @Test
    public void theDefaultLogRegionIsTheUpperHalf() {
        assertEquals(2048, GuestKvLog.defaultLogStart(16L << 20));
    }

    private void write(GuestKvLog.Put p, boolean tear) throws IOException {
        ByteBuffer r = ByteBuffer.allocate(GuestKvLog.RECORD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        byte[] key = p.key().getBytes(StandardCharsets.US_ASCII);
        byte[] value = p.value().getBytes(StandardCharsets.US_ASCII);
        r.putLong(0, GuestKvLog.RECORD_MAGIC).putLong(8, p.seq()).putShort(16, (short) key.length).putShort(18, (short) value.length);
        r.put(24, key).put(24 + key.length, value);
        r.putLong(504, GuestKvLog.fnv1a(r, 504) ^ (tear ? 1 : 0));
        long at = (LOG_START + p.seq() / 8) * GuestDiskPattern.BLOCK_SIZE + (p.seq() % 8) * GuestKvLog.RECORD_SIZE;
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.WRITE)) {
            ch.write(r, at);
        }
    }
}
