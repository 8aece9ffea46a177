package org.kemari.hv.xen.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.kemari.api.io.OutputGate;
import org.kemari.api.io.OutputKind;
import org.kemari.api.io.PendingOutput;

/**
 * The guest's console as held output, as far as dom0 allows: xenconsoled writes the guest's lines to
 * its log at once (that file is not held), this tap follows the log and submits each new line to the
 * output gate; a line reaches the published console file only when released, i.e. after the standby
 * acknowledged the epoch that contains it. Options: {@value #LOG_OPTION} (xenconsoled's log),
 * {@value #PUBLISHED_OPTION} (the file consumers read).
 */
final class XenConsoleTap implements AutoCloseable {
    static final String LOG_OPTION = "xen.console-log";
    static final String PUBLISHED_OPTION = "xen.console-published";

    private final Path log;
    private final Path published;
    private final OutputGate gate;
    private final Thread thread;
    private volatile boolean closed;

    XenConsoleTap(Path log, Path published, OutputGate gate) {
        this.log = log;
        this.published = published;
        this.gate = gate;
        this.thread = new Thread(this::follow, "xen-console-tap");
        thread.setDaemon(true);
        thread.start();
    }

    private void follow() {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long pos = f.length(); // lines from now on: earlier ones were written unprotected
            StringBuilder line = new StringBuilder();
            while (!closed) {
                long len = f.length();
                if (len <= pos) {
                    Thread.sleep(10);
                    continue;
                }
                f.seek(pos);
                byte[] b = new byte[(int) Math.min(len - pos, 65536)];
                f.readFully(b);
                pos += b.length;
                for (byte c : b) {
                    if (c == '\n') {
                        gate.submit(new Line(line.toString()));
                        line.setLength(0);
                    } else if (c != '\r') {
                        line.append((char) (c & 0xff));
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // the log went away or we were stopped: nothing more to hold
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    /** One console line waiting for its epoch's acknowledgement. */
    private final class Line implements PendingOutput {
        private final String text;

        Line(String text) {
            this.text = text;
        }

        @Override
        public OutputKind kind() {
            return OutputKind.CONSOLE;
        }

        @Override
        public String deviceId() {
            return "console";
        }

        @Override
        public int size() {
            return text.length() + 1;
        }

        @Override
        public void release() throws IOException {
            Files.writeString(published, text + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }

        @Override
        public void discard() {
            // never published: the standby's copy will print it again from its state
        }
    }
}
