package org.kemari.core.internal.engine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One redis-cli process reading commands from a pipe: it keeps one TCP connection to the server
 * for all of them (its interactive mode without a terminal), and prints one line per one-line
 * reply. A reset connection shows as a reply starting with "Error" (redis-cli then reconnects,
 * which the server's CLIENT ID would reveal).
 */
final class RedisSession implements AutoCloseable {
    private final Process process;
    private final Writer in;
    private final BlockingQueue<String> replies = new ArrayBlockingQueue<>(1024);

    RedisSession(String host) throws IOException {
        process = new ProcessBuilder("redis-cli", "-h", host, "--no-auth-warning").redirectErrorStream(true).start();
        in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    replies.put(line);
                }
            } catch (IOException | InterruptedException e) {
                // the process ended
            }
        }, "redis-cli-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Sends one command and returns its one-line reply; AssertionError if none comes within {@code millis}. */
    String call(String command, long millis) throws IOException, InterruptedException {
        in.write(command + "\n");
        in.flush();
        String reply = replies.poll(millis, TimeUnit.MILLISECONDS);
        if (reply == null) {
            throw new AssertionError("no reply to '" + command + "' within " + millis + " ms");
        }
        return reply;
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
