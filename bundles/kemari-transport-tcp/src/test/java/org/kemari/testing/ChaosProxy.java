package org.kemari.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that damages the stream on purpose: it can pass bytes through, delay
 * them, drop the connection, flip a byte or skip bytes, at chosen offsets. Offsets count the
 * bytes of one direction from the start of each proxied connection; the faults in force when a
 * connection is accepted apply to it.
 *
 * <pre>
 * try (ChaosProxy proxy = ChaosProxy.start(standbyPort)) {
 *     proxy.toTarget().flipByteAt(100);       // client to target
 *     connect to proxy.port() ...
 * }
 * </pre>
 */
public final class ChaosProxy implements AutoCloseable {

    /** The faults of one direction. Mutable until a connection is accepted; then copied. */
    public static final class Faults {
        private final TreeMap<Long, Integer> skips = new TreeMap<>();
        private final TreeMap<Long, Boolean> flips = new TreeMap<>();
        private long dropAt = -1;
        private long delayMillis;

        /** Inverts every bit of the byte at this offset. */
        public synchronized Faults flipByteAt(long offset) {
            flips.put(offset, Boolean.TRUE);
            return this;
        }

        /** Does not forward {@code count} bytes starting at this offset. */
        public synchronized Faults skipBytesAt(long offset, int count) {
            skips.put(offset, count);
            return this;
        }

        /** Closes the connection (both directions) after forwarding the bytes before this offset. */
        public synchronized Faults dropAt(long offset) {
            dropAt = offset;
            return this;
        }

        /** Holds each chunk this long before forwarding it. */
        public synchronized Faults delayMillis(long millis) {
            delayMillis = millis;
            return this;
        }

        /** Back to passing everything through. */
        public synchronized Faults clear() {
            skips.clear();
            flips.clear();
            dropAt = -1;
            delayMillis = 0;
            return this;
        }

        synchronized Faults copy() {
            Faults f = new Faults();
            f.skips.putAll(skips);
            f.flips.putAll(flips);
            f.dropAt = dropAt;
            f.delayMillis = delayMillis;
            return f;
        }

        /** Whether the byte at this offset is skipped. */
        boolean skipped(long offset) {
            Map.Entry<Long, Integer> e = skips.floorEntry(offset);
            return e != null && offset < e.getKey() + e.getValue();
        }
    }

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Faults toTarget = new Faults();
    private final Faults toClient = new Faults();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private ChaosProxy(int targetPort) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        this.target = new InetSocketAddress(loopback, targetPort);
        this.server = new ServerSocket(0, 16, loopback);
        spawn("chaos-accept", this::acceptLoop);
    }

    /** Starts a proxy on an ephemeral loopback port forwarding to {@code targetPort} on loopback. */
    public static ChaosProxy start(int targetPort) throws IOException {
        return new ChaosProxy(targetPort);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Faults on the bytes from the connecting client to the target. */
    public Faults toTarget() {
        return toTarget;
    }

    /** Faults on the bytes from the target back to the client. */
    public Faults toClient() {
        return toClient;
    }

    /** Drops every proxied connection now. */
    public void dropAll() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        dropAll();
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 2000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                Faults up = toTarget.copy();
                Faults down = toClient.copy();
                spawn("chaos-up", () -> pump(client, upstream, up));
                spawn("chaos-down", () -> pump(upstream, client, down));
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("ChaosProxy: " + e);
                }
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, Faults faults) {
        byte[] in = new byte[64 << 10];
        byte[] out = new byte[in.length];
        long offset = 0;
        try {
            InputStream is = from.getInputStream();
            OutputStream os = to.getOutputStream();
            int n;
            while ((n = is.read(in)) > 0) {
                if (faults.delayMillis > 0) {
                    Thread.sleep(faults.delayMillis);
                }
                int len = 0;
                boolean drop = false;
                for (int i = 0; i < n; i++, offset++) {
                    if (offset == faults.dropAt) {
                        drop = true;
                        break;
                    }
                    if (faults.skipped(offset)) {
                        continue;
                    }
                    out[len++] = faults.flips.containsKey(offset) ? (byte) ~in[i] : in[i];
                }
                os.write(out, 0, len);
                os.flush();
                if (drop) {
                    break;
                }
            }
        } catch (IOException e) {
            // The other side went away: fall through and close both.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(from);
        closeQuietly(to);
    }

    private void spawn(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing is best effort
        }
    }

    /** For messages: the offsets configured. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        parts.add("port " + port());
        parts.add("target " + target.getPort());
        return "ChaosProxy[" + String.join(", ", parts) + "]";
    }
}
