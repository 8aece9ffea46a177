package org.kemari.itests.failover;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Runs {@link KvClient} in the client namespace as a child process and collects what it saw. */
final class KvClientProcess implements GuestClient {
    /** One request every 10 ms: enough to catch every failover, and the guest's log lasts the run. */
    static final int INTERVAL_MICROS = 10_000;
    /** Distinct keys (the guest's index holds 768). */
    static final int KEYS = 512;
    /** The client ends by itself after this long even if nobody stops it. */
    static final int MAX_SECONDS = 3_600;

    private final Process process;
    private final List<KvExchange> exchanges = new ArrayList<>();
    private final List<String> otherLines = new ArrayList<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private final Thread reader;
    private volatile String localPort;

    private KvClientProcess(Process process) {
        this.process = process;
        this.reader = new Thread(this::readLines, "kv-client-output");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Starts the client and waits until it is connected (it retries for 30 s while the VM boots). */
    static KvClientProcess start(FailoverNetwork network, int port, long seed, Path stderrFile) throws IOException, InterruptedException {
        return start(network, port, seed, stderrFile, INTERVAL_MICROS);
    }

    /** As {@link #start(FailoverNetwork, int, long, Path)} with a request every {@code intervalMicros} (0: back to back). */
    static KvClientProcess start(FailoverNetwork network, int port, long seed, Path stderrFile, long intervalMicros)
            throws IOException, InterruptedException {
        KvClientProcess client = new KvClientProcess(ClientJava.start(network, KvClient.class, stderrFile,
                network.guestAddress, String.valueOf(port), String.valueOf(intervalMicros), String.valueOf(MAX_SECONDS),
                String.valueOf(KEYS), String.valueOf(seed)));
        if (!client.started.await(60, TimeUnit.SECONDS) || client.localPort == null) {
            String said = client.complaints();
            client.close();
            throw new IOException("the KV client did not connect to " + network.guestAddress + ":" + port + " from the client"
                    + " namespace: " + said + " (see " + stderrFile + ")");
        }
        return client;
    }

    private void readLines() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("x ")) {
                    KvExchange x = KvExchange.parse(line);
                    synchronized (this) {
                        exchanges.add(x);
                    }
                    continue;
                }
                synchronized (this) {
                    otherLines.add(line);
                }
                if (line.startsWith("ready ")) {
                    localPort = line.substring(6).trim();
                }
                if (line.startsWith("ready ") || line.startsWith("error ")) {
                    started.countDown();
                }
            }
        } catch (IOException e) {
            // The client is gone.
        } finally {
            started.countDown();
        }
    }

    /** The client's local TCP port: its one connection. */
    String localPort() {
        return localPort;
    }

    synchronized List<KvExchange> exchanges() {
        return new ArrayList<>(exchanges);
    }

    synchronized int count() {
        return exchanges.size();
    }

    synchronized KvExchange latest() {
        return exchanges.isEmpty() ? null : exchanges.get(exchanges.size() - 1);
    }

    /** The client's error lines: a reset, an EOF, a timeout. Empty while its connection is fine. */
    synchronized List<String> errors() {
        return otherLines.stream().filter(l -> l.startsWith("error ")).toList();
    }

    @Override
    public synchronized String complaints() {
        return otherLines.stream().filter(l -> !l.startsWith("ready ")).toList().toString();
    }

    boolean isRunning() {
        return process.isAlive();
    }

    @Override
    public boolean awaitAnswer(long notBeforeMicros, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            KvExchange x = latest();
            if (x != null && x.repliedMicros() >= notBeforeMicros) {
                return true;
            }
            if (!process.isAlive()) {
                return false;
            }
            Thread.sleep(2);
        }
        return false;
    }

    /**
     * Asks the client to read back every key it wrote and to QUIT, and waits for it to end.
     *
     * @return whether it said goodbye (the server answered QUIT with BYE on the same connection)
     */
    boolean finish(long timeoutMillis) throws InterruptedException, IOException {
        OutputStream control = process.getOutputStream();
        control.write("finish\n".getBytes(StandardCharsets.UTF_8));
        control.flush();
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            return false;
        }
        reader.join(2_000);
        synchronized (this) {
            return otherLines.contains("bye");
        }
    }

    /** Stops the client: closes its input (it ends at once), then kills it if it lingers. */
    @Override
    public void close() throws InterruptedException {
        ClientJava.stop(process, reader);
    }
}
