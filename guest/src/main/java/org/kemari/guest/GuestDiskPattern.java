package org.kemari.guest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.LockSupport;

/**
 * What the test guest's DISK_WRITER leaves on its disk (docs/specs/guest-abi.md, sequential
 * mode), for verifiers outside the VM: checks that every write the guest saw acknowledged is on
 * the disk, intact.
 */
public final class GuestDiskPattern {
    /** The ASCII bytes "KMBLOCK1" at the start of every block the guest wrote. */
    public static final long BLOCK_MAGIC = 0x314B434F4C424D4BL;
    public static final int BLOCK_SIZE = 4096;
    private static final int CHECKSUM_OFFSET = 4088;

    private GuestDiskPattern() {
    }

    /**
     * Checks that for writes 0..acked-1 to a disk of {@code blocks} blocks (sequential mode), each
     * block holds its latest acknowledged write or a later one, intact.
     *
     * @return null if all is well, else what is wrong
     */
    public static String verifySequential(Path disk, int blocks, long acked) throws IOException {
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ)) {
            ByteBuffer block = ByteBuffer.allocate(BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            for (int b = 0; b < blocks && b < acked; b++) {
                String problem = checkBlock(ch, block, b, blocks, acked);
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    /**
     * As {@link #verifySequential}, for a disk the guest may be writing while it is read: a block
     * that fails is read again a few times within about a millisecond, since a read that races
     * one write can see that write half done. A later write cannot hide a lost one in that time:
     * the guest comes back to a block only after {@code blocks} more writes.
     */
    public static String verifySequentialWhileWritten(Path disk, int blocks, long acked) throws IOException {
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ)) {
            ByteBuffer block = ByteBuffer.allocate(BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            for (int b = 0; b < blocks && b < acked; b++) {
                String problem = checkBlock(ch, block, b, blocks, acked);
                for (int retry = 0; problem != null && retry < 3; retry++) {
                    LockSupport.parkNanos(300_000);
                    problem = checkBlock(ch, block, b, blocks, acked);
                }
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    private static String checkBlock(FileChannel ch, ByteBuffer block, int b, int blocks, long acked) throws IOException {
        long latestAcked = b + ((acked - 1 - b) / blocks) * blocks;
        block.clear();
        ch.read(block, (long) b * BLOCK_SIZE);
        long magic = block.getLong(0);
        long seq = block.getLong(8);
        if (magic != BLOCK_MAGIC) {
            return "block " + b + ": no guest write there, but write " + latestAcked + " was acknowledged";
        }
        if (seq < latestAcked || seq % blocks != b || block.getLong(16) != b) {
            return "block " + b + " holds write " + seq + ", but write " + latestAcked + " was acknowledged";
        }
        if (fnv1a(block, CHECKSUM_OFFSET) != block.getLong(CHECKSUM_OFFSET)) {
            return "block " + b + " (write " + seq + ") is torn: checksum mismatch";
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
