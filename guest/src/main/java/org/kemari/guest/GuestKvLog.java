package org.kemari.guest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;

/**
 * The test guest's KV_SERVER log region (docs/specs/guest-abi.md, KV_SERVER, "Log region"), for
 * verifiers outside the VM: checks that every PUT a client saw acknowledged with {@code OK <seq>}
 * is on the disk as record {@code seq}, intact, with its key and value.
 */
public final class GuestKvLog {
    /** The ASCII bytes "KMKVREC1" at the start of every record. */
    public static final long RECORD_MAGIC = 0x31434552564B4D4BL;
    public static final int RECORD_SIZE = 512;
    public static final int RECORDS_PER_BLOCK = GuestDiskPattern.BLOCK_SIZE / RECORD_SIZE;
    private static final int HEADER_SIZE = 24;
    private static final int CHECKSUM_OFFSET = RECORD_SIZE - 8;

    /** One acknowledged PUT: the client sent {@code PUT key value} and got {@code OK seq}. */
    public record Put(long seq, String key, String value) {
    }

    private GuestKvLog() {
    }

    /** The log region's first block when the guest uses its default: the upper half of the disk. */
    public static long defaultLogStart(long diskBytes) {
        return diskBytes / GuestDiskPattern.BLOCK_SIZE / 2;
    }

    /**
     * Checks every put in {@code acknowledged} against the log region starting at block
     * {@code logStartBlock}.
     *
     * @return null if all are there, else what is wrong with the first one that is not
     */
    public static String verify(Path disk, long logStartBlock, Collection<Put> acknowledged) throws IOException {
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ)) {
            ByteBuffer record = ByteBuffer.allocate(RECORD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            for (Put put : acknowledged) {
                String problem = check(ch, record, logStartBlock, put);
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    private static String check(FileChannel ch, ByteBuffer record, long logStartBlock, Put put) throws IOException {
        long offset = (logStartBlock + put.seq() / RECORDS_PER_BLOCK) * GuestDiskPattern.BLOCK_SIZE
                + (put.seq() % RECORDS_PER_BLOCK) * RECORD_SIZE;
        record.clear();
        while (record.hasRemaining()) {
            if (ch.read(record, offset + record.position()) < 0) {
                return "record " + put.seq() + " (" + put + ") lies beyond the end of the disk";
            }
        }
        String what = "record " + put.seq() + " (acknowledged PUT " + put.key() + " " + put.value() + ")";
        if (record.getLong(0) != RECORD_MAGIC) {
            return what + " is not on the disk: no record magic at byte " + offset;
        }
        if (record.getLong(8) != put.seq()) {
            return what + ": the slot holds seq " + record.getLong(8);
        }
        if (fnv1a(record, CHECKSUM_OFFSET) != record.getLong(CHECKSUM_OFFSET)) {
            return what + " is torn: checksum mismatch";
        }
        int keyLength = record.getShort(16) & 0xffff;
        int valueLength = record.getShort(18) & 0xffff;
        if (HEADER_SIZE + keyLength + valueLength > CHECKSUM_OFFSET) {
            return what + ": key and value lengths " + keyLength + " + " + valueLength + " do not fit a record";
        }
        String key = text(record, HEADER_SIZE, keyLength);
        String value = text(record, HEADER_SIZE + keyLength, valueLength);
        if (!key.equals(put.key()) || !value.equals(put.value())) {
            return what + ": the disk has PUT " + key + " " + value;
        }
        return null;
    }

    private static String text(ByteBuffer record, int from, int length) {
        byte[] bytes = new byte[length];
        record.get(from, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    /** FNV-1a 64 of the buffer's first {@code length} bytes. */
    static long fnv1a(ByteBuffer b, int length) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < length; i++) {
            h ^= b.get(i) & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
