package org.kemari.itests.failover;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link StatusProbe} in the client namespace as a child process and collects its replies,
 * in the order they arrived.
 */
final class ProbeProcess implements GuestClient {
    /** One status request every 2 ms. */
    static final int INTERVAL_MICROS = 2_000;
    /** The probe ends by itself after this long even if nobody stops it. */
    static final int MAX_SECONDS = 3_600;

    private final Process process;
    private final List<StatusReply> replies = new ArrayList<>();
    private final List<String> otherLines = new ArrayList<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final Thread reader;

    private ProbeProcess(Process process) {
        this.process = process;
        this.reader = new Thread(this::readLines, "probe-output");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    static ProbeProcess start(FailoverNetwork network, Path stderrFile) throws IOException, InterruptedException {
        Process p = ClientJava.start(network, StatusProbe.class, stderrFile, network.guestAddress,
                String.valueOf(INTERVAL_MICROS), String.valueOf(MAX_SECONDS));
        ProbeProcess probe = new ProbeProcess(p);
        if (!probe.ready.await(30, TimeUnit.SECONDS)) {
            probe.close();
            throw new IOException("the status probe did not start in the client namespace; see " + stderrFile);
        }
        return probe;
    }

    private void readLines() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("reply ")) {
                    StatusReply r = StatusReply.parse(line);
                    synchronized (this) {
                        replies.add(r);
                    }
                } else {
                    if (line.startsWith("ready")) {
                        ready.countDown();
                    }
                    synchronized (this) {
                        otherLines.add(line);
                    }
                }
            }
        } catch (IOException e) {
            // The probe is gone; close() reports nothing more.
        }
    }

    /** How many replies arrived so far. */
    synchronized int count() {
        return replies.size();
    }

    /** The replies from index {@code from} on, in arrival order. */
    synchronized List<StatusReply> since(int from) {
        return new ArrayList<>(replies.subList(Math.min(from, replies.size()), replies.size()));
    }

    /** The newest reply, or null. */
    synchronized StatusReply latest() {
        return replies.isEmpty() ? null : replies.get(replies.size() - 1);
    }

    /** Lines the probe printed that were not replies (errors, junk datagrams). */
    synchronized List<String> otherLines() {
        return new ArrayList<>(otherLines);
    }

    @Override
    public boolean awaitAnswer(long notBeforeMicros, long timeoutMillis) throws InterruptedException {
        return awaitReply(Math.max(0, count() - 1), notBeforeMicros, timeoutMillis) != null;
    }

    @Override
    public String complaints() {
        return otherLines().toString();
    }

    /** Waits until a reply arrives after index {@code from} and at or after {@code notBeforeMicros}; null on timeout. */
    StatusReply awaitReply(int from, long notBeforeMicros, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        int next = from;
        while (System.nanoTime() < deadline) {
            List<StatusReply> fresh = since(next);
            for (StatusReply r : fresh) {
                if (r.receivedMicros() >= notBeforeMicros) {
                    return r;
                }
            }
            next += fresh.size();
            Thread.sleep(2);
        }
        return null;
    }

    /** Stops the probe: closes its input (it ends by itself), then kills it if it lingers. */
    @Override
    public void close() throws InterruptedException {
        ClientJava.stop(process, reader);
    }
}
