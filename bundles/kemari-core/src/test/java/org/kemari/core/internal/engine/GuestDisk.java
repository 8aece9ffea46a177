package org.kemari.core.internal.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The test guest's disk-writer pattern (docs/specs/guest-abi.md, DISK_WRITER, sequential mode):
 * checks that every write the guest saw acknowledged is on the disk.
 */
final class GuestDisk {
    static final long BLOCK_MAGIC = 0x314B434F4C424D4BL;

    private GuestDisk() {
    }

    /**
     * Checks that for writes 0..acked-1 to a disk of {@code blocks} blocks (sequential mode), each
     * block holds its latest acknowledged write or a later one, intact.
     *
     * @return null if all is well, else what is wrong
     */
    static String verifySequential(Path disk, int blocks, long acked) throws IOException {
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ)) {
            ByteBuffer block = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
            for (int b = 0; b < blocks && b < acked; b++) {
                long latestAcked = b + ((acked - 1 - b) / blocks) * blocks;
                block.clear();
                ch.read(block, (long) b * 4096);
                long magic = block.getLong(0);
                long seq = block.getLong(8);
                if (magic != BLOCK_MAGIC) {
                    return "block " + b + ": no guest write there, but write " + latestAcked + " was acknowledged";
                }
                if (seq < latestAcked || seq % blocks != b || block.getLong(16) != b) {
                    return "block " + b + " holds write " + seq + ", but write " + latestAcked + " was acknowledged";
                }
                if (fnv1a(block, 4088) != block.getLong(4088)) {
                    return "block " + b + " (write " + seq + ") is torn: checksum mismatch";
                }
            }
        }
        return null;
    }

    private static long fnv1a(ByteBuffer b, int length) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < length; i++) {
            h ^= b.get(i) & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
