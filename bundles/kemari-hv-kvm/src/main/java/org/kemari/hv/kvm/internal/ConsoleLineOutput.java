package org.kemari.hv.kvm.internal;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import org.kemari.api.io.OutputKind;
import org.kemari.api.io.PendingOutput;

/** A console line of the guest's serial port: seen outside (log, listeners) only when released. */
final class ConsoleLineOutput implements PendingOutput {
    static final String DEVICE = "com1";

    private final String line;
    private final Consumer<String> shown;

    ConsoleLineOutput(String line, Consumer<String> shown) {
        this.line = line;
        this.shown = shown;
    }

    @Override
    public OutputKind kind() {
        return OutputKind.CONSOLE;
    }

    @Override
    public String deviceId() {
        return DEVICE;
    }

    @Override
    public int size() {
        return line.getBytes(StandardCharsets.UTF_8).length;
    }

    @Override
    public void release() {
        shown.accept(line);
    }

    @Override
    public void discard() {
    }
}
