package org.kemari.hv.xen.internal.rig;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;

/** Follows a guest console log written by xenconsoled: each new line is an output event. */
final class ConsoleEvents {
    private final String path;
    private long offset;
    private final StringBuilder partial = new StringBuilder();

    ConsoleEvents(String path) {
        this.path = path;
        try (RandomAccessFile f = new RandomAccessFile(path, "r")) {
            offset = f.length(); // only lines written from now on count
        } catch (IOException e) {
            offset = 0; // not written yet
        }
    }

    /** The next new line containing {@code marker}, or null after {@code timeoutMs}. */
    String nextLine(String marker, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            try (RandomAccessFile f = new RandomAccessFile(path, "r")) {
                if (f.length() > offset) {
                    f.seek(offset);
                    byte[] b = new byte[(int) (f.length() - offset)];
                    f.readFully(b);
                    offset += b.length;
                    partial.append(new String(b, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the log appears when the guest first writes
            }
            int nl;
            while ((nl = partial.indexOf("\n")) >= 0) {
                String line = partial.substring(0, nl).trim();
                partial.delete(0, nl + 1);
                if (line.contains(marker)) {
                    return line;
                }
            }
            Thread.sleep(50);
        }
        return null;
    }
}
