package org.kemari.core.internal.standby;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Issue #12, defect 6: the standby mapped a VM's whole claimed memory when epoch 0 began, before
 * any page arrived. Now an image takes address space only for the chunks pages were written to.
 */
public class LazyImageTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void aLargeImageMapsOnlyTheChunksWrittenTo() throws Exception {
        long before = mappings();
        try (SparseFileImage image = SparseFileImage.create(tmp.getRoot().toPath(), "big", 64L << 30)) {
            long afterCreate = mappings();
            assertTrue("creating a 64 GiB image added " + (afterCreate - before) + " mappings", afterCreate - before < 8);

            byte[] page = new byte[4096];
            java.util.Arrays.fill(page, (byte) 0x5a);
            image.write(40L << 30, ByteBuffer.wrap(page));
            ByteBuffer back = ByteBuffer.allocate(4096);
            image.read(40L << 30, back);
            assertArrayEquals(page, back.array());

            ByteBuffer never = ByteBuffer.allocate(8192);
            java.util.Arrays.fill(never.array(), (byte) 1);
            image.read(3L << 30, never);
            assertArrayEquals("a chunk never written reads as zeros", new byte[8192], never.array());
            long afterWrite = mappings();
            assertTrue("one written page added " + (afterWrite - afterCreate) + " mappings", afterWrite - afterCreate < 8);
        }
    }

    private static long mappings() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/maps")).size();
    }
}
