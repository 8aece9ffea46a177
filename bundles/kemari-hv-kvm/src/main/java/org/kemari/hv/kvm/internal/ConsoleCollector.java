package org.kemari.hv.kvm.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** Collects the bytes the guest writes to the CONSOLE port into lines ('\n' ends one; CR dropped; long lines split). */
final class ConsoleCollector {
    static final int MAX_LINE = 4096;

    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final Consumer<String> sink;

    ConsoleCollector(Consumer<String> sink) {
        this.sink = sink;
    }

    synchronized void write(byte[] bytes, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                flush();
            } else if (b != '\r') {
                line.write(b);
                if (line.size() >= MAX_LINE) {
                    flush();
                }
            }
        }
    }

    /** Emits what is buffered as a line, if anything. */
    synchronized void flush() {
        if (line.size() > 0) {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            sink.accept(text);
        }
    }
}
