package org.kemari.io.net.internal.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs iproute2 ({@code ip}, {@code tc}) for the one-time set-up of a frame hold: an ifb device and
 * an ingress redirect are easier to say to tc than to encode. Failures carry the command and its
 * message.
 */
final class IpCommands {
    private static final long TIMEOUT_SECONDS = 10;

    private IpCommands() {
    }

    static void run(String... command) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run " + command[0] + " (iproute2 is needed to hold frames in the kernel): "
                    + e.getMessage(), e);
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + out);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + " interrupted", e);
        }
    }

    /** Runs each command, ignoring failures: for tearing down what may be half there. */
    static void runQuietly(List<String[]> commands) {
        for (String[] c : commands) {
            try {
                run(c);
            } catch (IOException e) {
                // already gone, or never made: nothing to undo
            }
        }
    }
}
