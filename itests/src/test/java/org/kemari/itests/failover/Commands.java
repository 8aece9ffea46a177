package org.kemari.itests.failover;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short host commands (ip, tar) and reports their failures with what they printed. */
public final class Commands {
    private Commands() {
    }

    /** Runs a command; throws with its output if it fails or takes more than 30 s. */
    public static String run(String... command) throws IOException {
        Result r = tryRun(command);
        if (r.exitCode != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + r.exitCode + "): " + r.output.strip());
        }
        return r.output;
    }

    /** Runs a command and returns its exit code and output, whatever they are. */
    public static Result tryRun(String... command) throws IOException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", command), e);
        }
    }

    /** A command's output whatever its exit code, or "" if it cannot be started. */
    public static String tryRunQuietly(String... command) {
        try {
            return tryRun(command).output();
        } catch (IOException e) {
            return "";
        }
    }

    /** Whether a command can be started and exits 0. */
    public static boolean works(String... command) {
        try {
            return tryRun(command).exitCode == 0;
        } catch (IOException e) {
            return false;
        }
    }

    public record Result(int exitCode, String output) {
    }
}
