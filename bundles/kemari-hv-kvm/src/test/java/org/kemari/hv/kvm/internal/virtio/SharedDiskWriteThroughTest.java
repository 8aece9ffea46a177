package org.kemari.hv.kvm.internal.virtio;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.VmSpec.DiskSpec;

/**
 * A host that dies loses its page cache, and the standby resumes a guest that saw each released
 * write complete: on shared storage a completed write must already be on the storage. So a shared
 * image is opened O_DSYNC; a replicated one (the standby has its own copy) is not. Checked on the
 * descriptor the kernel holds (/proc/self/fdinfo: its open flags).
 */
public class SharedDiskWriteThroughTest {
    /** O_DSYNC on x86-64 Linux (octal 010000). */
    private static final int O_DSYNC = 010000;

    private Path image;

    @Before
    public void setUp() throws IOException {
        image = Files.createTempFile("kemari-shared", ".img");
        Files.write(image, new byte[64 << 10]);
    }

    @After
    public void tearDown() throws IOException {
        Files.deleteIfExists(image);
    }

    @Test
    public void aSharedImageIsWrittenThroughAReplicatedOneIsNot() throws Exception {
        try (DiskBackend shared = DiskBackends.open(new DiskSpec("vda", image.toString(), false))) {
            assertTrue("a shared image's descriptor has O_DSYNC: " + openFlags(), (openFlags() & O_DSYNC) != 0);
            assertTrue(shared.describe(), shared.describe().endsWith("(write-through)"));
            shared.write(4096, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ByteBuffer back = ByteBuffer.allocate(3);
            shared.read(4096, back);
            assertEquals(2, back.get(1));
        }
        try (DiskBackend replicated = DiskBackends.open(new DiskSpec("vda", DiskSpec.REPLICATED_PREFIX + image, false))) {
            assertFalse("a replicated image's descriptor has no O_DSYNC: " + openFlags(), (openFlags() & O_DSYNC) != 0);
            assertFalse(replicated.describe(), replicated.describe().contains("write-through"));
        }
    }

    /** The open flags of this process's one descriptor on the image. */
    private int openFlags() throws IOException {
        List<Path> fds;
        try (Stream<Path> all = Files.list(Path.of("/proc/self/fd"))) {
            fds = all.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(image.toRealPath());
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).toList();
        }
        assertEquals("descriptors on " + image, 1, fds.size());
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", fds.get(0).getFileName().toString()))) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring("flags:".length()).trim(), 8);
            }
        }
        throw new AssertionError("no flags line in fdinfo");
    }
}
