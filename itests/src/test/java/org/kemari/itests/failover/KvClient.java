package org.kemari.itests.failover;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The TCP client of the failover tests and the demo, run as its own small JVM inside the client
 * network namespace: holds <b>one</b> connection to the guest's KV server (docs/specs/guest-abi.md,
 * KV_SERVER) and sends one request at a time, paced: {@code PUT k<i mod keys> v<i>}, and every
 * fourth request a {@code GET} of a key it wrote before. It judges nothing itself; it prints every
 * exchange, times in µs since the epoch:
 * <pre>
 * ready &lt;local port&gt;
 * x &lt;sent&gt; &lt;replied&gt; &lt;request&gt; | &lt;reply&gt;
 * error &lt;what ended the connection&gt;
 * bye
 * </pre>
 * A line {@code finish} on its standard input makes it GET every key it wrote, then QUIT (expecting
 * {@code BYE}) and end; the end of its standard input, or the time limit, ends it at once. It never
 * reconnects: an error ends it, so "the same socket all along" is every line coming from this one.
 *
 * <p>Usage: {@code KvClient <guest ip> <port> <interval µs> <max seconds> <keys> <seed>}
 */
public final class KvClient {
    /** How long the client tries to connect: the guest may still be booting (no ARP answer, then RST until it listens). */
    private static final long CONNECT_WITHIN_MILLIS = 30_000;
    /** Far longer than any failover: a reply that takes this long is reported as an error. */
    private static final int REPLY_TIMEOUT_MILLIS = 60_000;

    private final BufferedReader in;
    private final OutputStream out;
    private final PrintStream log;

    private KvClient(Socket socket, PrintStream log) throws IOException {
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
        this.out = socket.getOutputStream();
        this.log = log;
    }

    public static void main(String[] args) throws Exception {
        String guest = args[0];
        int port = Integer.parseInt(args[1]);
        long intervalNanos = TimeUnit.MICROSECONDS.toNanos(Long.parseLong(args[2]));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[3]));
        int keys = Integer.parseInt(args[4]);
        Random random = new Random(Long.parseLong(args[5]));
        PrintStream log = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
        AtomicBoolean finish = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        Thread control = new Thread(() -> readControl(finish, stop), "kv-client-control");
        control.setDaemon(true);
        control.start();
        try (Socket socket = connect(new InetSocketAddress(guest, port))) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(REPLY_TIMEOUT_MILLIS);
            log.println("ready " + socket.getLocalPort());
            KvClient client = new KvClient(socket, log);
            long puts = 0;
            long next = System.nanoTime();
            for (long n = 0; !stop.get() && !finish.get() && System.nanoTime() < deadline; n++) {
                if (n % 4 == 3 && puts > 0) {
                    client.exchange("GET k" + (random.nextLong(Math.min(puts, keys))));
                } else {
                    client.exchange("PUT k" + (puts % keys) + " v" + puts);
                    puts++;
                }
                next += intervalNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                } else {
                    next = System.nanoTime(); // behind (an outage): no burst to catch up
                }
            }
            if (finish.get()) {
                for (long k = 0; k < Math.min(puts, keys); k++) {
                    client.exchange("GET k" + k);
                }
                if (client.exchange("QUIT").equals("BYE")) {
                    log.println("bye");
                }
            }
        } catch (IOException e) {
            log.println("error " + e);
        }
    }

    /** Connects, retrying while the guest is not there yet; the one connection of this client's life. */
    private static Socket connect(InetSocketAddress guest) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_WITHIN_MILLIS);
        while (true) {
            Socket socket = new Socket();
            try {
                socket.connect(guest, 1_000);
                return socket;
            } catch (IOException e) {
                socket.close();
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** Sends one request line and reads its reply line; prints both with their times. */
    private String exchange(String request) throws IOException {
        long sent = StatusProbe.nowMicros();
        out.write((request + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String reply = in.readLine();
        long replied = StatusProbe.nowMicros();
        if (reply == null) {
            throw new IOException("the server closed the connection (EOF) instead of answering " + request);
        }
        log.println("x " + sent + " " + replied + " " + request + " | " + reply);
        return reply;
    }

    private static void readControl(AtomicBoolean finish, AtomicBoolean stop) {
        try (BufferedReader control = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = control.readLine(); line != null; line = control.readLine()) {
                if (line.strip().equals("finish")) {
                    finish.set(true);
                    return;
                }
            }
        } catch (IOException e) {
            // Treated as the end.
        }
        stop.set(true);
    }
}
