package org.kemari.hv.kvm.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's redis-cli, the Linux test guest's server's own client, run once per command against one host. */
final class RedisCli {
    private final String host;

    RedisCli(String host) {
        this.host = host;
    }

    /** The reply of one command (redis-cli's raw output, trimmed); AssertionError if redis-cli fails. */
    String call(String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("redis-cli", "-h", host, "--no-auth-warning"));
        argv.addAll(List.of(command));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("redis-cli " + String.join(" ", command) + " did not finish in 30 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.exitValue() != 0 || out.startsWith("Could not connect") || out.startsWith("ERR")) {
            throw new AssertionError("redis-cli " + String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }

    /** Whether the server answers PING now. */
    boolean answers() throws InterruptedException {
        try {
            return "PONG".equals(call("ping"));
        } catch (AssertionError | IOException e) {
            return false;
        }
    }

    /** One field of INFO server, e.g. run_id or uptime_in_seconds. */
    String info(String field) throws IOException, InterruptedException {
        for (String line : call("info", "server").split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        throw new AssertionError("INFO server has no " + field);
    }
}
