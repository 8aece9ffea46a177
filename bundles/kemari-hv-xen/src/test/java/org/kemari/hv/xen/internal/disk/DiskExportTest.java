package org.kemari.hv.xen.internal.disk;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.kemari.api.io.DiskWriteOutput;
import org.kemari.api.io.OutputKind;
import org.kemari.api.io.PendingOutput;
import org.kemari.hv.xen.internal.sys.LibC;
import org.kemari.hv.xen.internal.sys.NativeLibraries;

/**
 * The disk a Xen guest gets from Kemari, served over a real socketpair as the kernel's nbd client
 * would use it: reads answered from the image, writes listed at the gate, then done and answered.
 */
public class DiskExportTest {
    private static final int SIZE = 64 * 1024;
    private static final LibC LIBC = NativeLibraries.libc();

    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();
    private Path imagePath;
    private FileChannel image;
    private FdStream client;
    private DiskExport export;
    private final List<PendingOutput> gate = new CopyOnWriteArrayList<>();

    @Before
    public void serve() throws Exception {
        serve(false);
    }

    private void serve(boolean readOnly) throws IOException {
        if (export != null) {
            stop();
        }
        imagePath = tmp.newFile().toPath();
        byte[] initial = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            initial[i] = (byte) (i / 512);
        }
        Files.write(imagePath, initial);
        image = FileChannel.open(imagePath, StandardOpenOption.READ, StandardOpenOption.WRITE);
        int[] pair = new int[2];
        assertEquals(0, LIBC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM, 0, pair));
        client = new FdStream(LIBC, pair[0]);
        export = new DiskExport("vm1", "xvdb", image, SIZE, readOnly, new FdStream(LIBC, pair[1]));
        export.start();
    }

    @After
    public void stop() throws IOException {
        export.close();
        client.close();
        image.close();
    }

    private ByteBuffer reply() throws IOException {
        return ByteBuffer.wrap(client.readFully(NbdWire.REPLY_BYTES));
    }

    private void assertReply(ByteBuffer r, long handle, int error) {
        assertEquals(NbdWire.REPLY_MAGIC, r.getInt(0));
        assertEquals(error, r.getInt(4));
        assertEquals(handle, r.getLong(8));
    }

    private void write(long handle, long offset, byte[] data) throws IOException {
        client.write(NbdWire.request(NbdWire.CMD_WRITE, handle, offset, data.length), data);
    }

    private byte[] onImage(long offset, int length) throws IOException {
        return Arrays.copyOfRange(Files.readAllBytes(imagePath), (int) offset, (int) offset + length);
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private PendingOutput awaitHeld(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (gate.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(count, gate.size());
        return gate.get(count - 1);
    }

    @Test
    public void readsComeFromTheImage() throws Exception {
        client.write(NbdWire.request(NbdWire.CMD_READ, 7, 1024, 1024));
        assertReply(reply(), 7, 0);
        byte[] data = client.readFully(1024);
        assertArrayEquals(onImage(1024, 1024), data);
        assertEquals(2, data[0]);
    }

    @Test
    public void withoutAGateAWriteIsDoneAndAnsweredAtOnce() throws Exception {
        write(9, 4096, filled(512, 0x5a));
        assertReply(reply(), 9, 0);
        assertArrayEquals(filled(512, 0x5a), onImage(4096, 512));
    }

    @Test
    public void aWriteIsListedAtTheGateBeforeItIsDoneAndAnswered() throws Exception {
        List<Byte> imageWhenListed = new CopyOnWriteArrayList<>();
        export.setGate(output -> {
            try {
                imageWhenListed.add(onImage(8192, 1)[0]);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            gate.add(output);
        });
        write(11, 8192, filled(1024, 0x77));
        assertReply(reply(), 11, 0);
        DiskWriteOutput w = (DiskWriteOutput) awaitHeld(1);
        assertEquals(OutputKind.DISK_WRITE, w.kind());
        assertEquals("xvdb", w.deviceId());
        assertEquals(8192, w.offset());
        assertEquals(1024, w.size());
        assertEquals(0x77, w.data().get(1023));
        assertEquals("listed while the image still had the old data", List.of((byte) 16), imageWhenListed);
        assertArrayEquals("done at once on this host's image", filled(1024, 0x77), onImage(8192, 1024));
    }

    @Test
    public void releaseAndDiscardLeaveADoneWriteAsItIs() throws Exception {
        export.setGate(gate::add);
        write(13, 0, filled(512, 0x11));
        assertReply(reply(), 13, 0);
        awaitHeld(1).discard();
        write(14, 512, filled(512, 0x12));
        assertReply(reply(), 14, 0);
        awaitHeld(2).release();
        client.write(NbdWire.request(NbdWire.CMD_FLUSH, 15, 0, 0));
        assertReply(reply(), 15, 0); // nothing more was answered in between
        assertEquals(0x11, onImage(0, 1)[0]);
        assertEquals(0x12, onImage(512, 1)[0]);
    }

    @Test
    public void requestsOutsideTheDiskGetEinvalAndTheConnectionGoesOn() throws Exception {
        client.write(NbdWire.request(NbdWire.CMD_READ, 21, SIZE - 512, 1024));
        assertReply(reply(), 21, NbdWire.EINVAL);
        write(22, SIZE, filled(512, 1));
        assertReply(reply(), 22, NbdWire.EINVAL);
        client.write(NbdWire.request(4 /* TRIM, not advertised */, 23, 0, 512));
        assertReply(reply(), 23, NbdWire.EINVAL);
        write(24, 0, filled(512, 3));
        assertReply(reply(), 24, 0);
    }

    @Test
    public void aReadOnlyDiskRefusesWritesWithEperm() throws Exception {
        serve(true);
        write(31, 0, filled(512, 9));
        assertReply(reply(), 31, NbdWire.EPERM);
        assertEquals(0, onImage(0, 1)[0]);
    }

    @Test
    public void aStreamThatIsNotNbdEndsTheConnectionWithTheReason() throws Exception {
        client.write(new byte[NbdWire.REQUEST_BYTES]); // magic 0
        assertThrows(EOFException.class, () -> client.readFully(1));
        awaitEnd();
        assertTrue(export.endReason(), export.endReason().startsWith("not NBD: request magic 0x00000000"));
    }

    @Test
    public void anOversizedWriteEndsTheConnection() throws Exception {
        client.write(NbdWire.request(NbdWire.CMD_WRITE, 41, 0, NbdWire.MAX_LENGTH + 512));
        assertThrows(EOFException.class, () -> client.readFully(1));
        awaitEnd();
        assertTrue(export.endReason(), export.endReason().contains("limit"));
    }

    @Test
    public void disconnectEndsServing() throws Exception {
        client.write(NbdWire.request(NbdWire.CMD_DISC, 51, 0, 0));
        awaitEnd();
        assertEquals("disconnected by the client", export.endReason());
    }

    private void awaitEnd() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (export.serving() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertFalse(export.serving());
    }
}
