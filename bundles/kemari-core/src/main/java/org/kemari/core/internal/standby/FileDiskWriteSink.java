package org.kemari.core.internal.standby;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/** Applies disk writes to image files, one path per disk id. */
public final class FileDiskWriteSink implements DiskWriteSink, AutoCloseable {
    private final Map<String, Path> paths;
    private final Map<String, FileChannel> open = new HashMap<>();

    public FileDiskWriteSink(Map<String, Path> paths) {
        this.paths = Map.copyOf(paths);
    }

    @Override
    public synchronized void write(String diskId, long offset, ByteBuffer data) throws IOException {
        FileChannel ch = open.get(diskId);
        if (ch == null) {
            Path p = paths.get(diskId);
            if (p == null) {
                throw new IOException("no image file configured for disk '" + diskId + "'");
            }
            ch = FileChannel.open(p, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
            open.put(diskId, ch);
        }
        ByteBuffer b = data.duplicate();
        long at = offset;
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
    }

    @Override
    public synchronized void force() throws IOException {
        for (FileChannel ch : open.values()) {
            ch.force(false);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        IOException first = null;
        for (FileChannel ch : open.values()) {
            try {
                ch.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        open.clear();
        if (first != null) {
            throw first;
        }
    }
}
