package org.kemari.itests.failover;

import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The client of a two-node test, run as its own small JVM inside the client network namespace:
 * asks the guest's UDP status service (port 8, docs/specs/guest-abi.md) for its progress every
 * few milliseconds with increasing nonces, and prints one line per reply:
 * {@code reply <nonce> <receive time, µs since the epoch> <sequence> <rounds> <disk_writes_acked>
 * <disk_writes_submitted> <net_tx_frames>}. It stops when its standard input closes, or after
 * the time limit it is given, whichever comes first.
 *
 * <p>Usage: {@code StatusProbe <guest ip> <interval µs> <max seconds>}
 */
public final class StatusProbe {
    static final int STATUS_PORT = 8;
    static final long REPLY_MAGIC = 0x3130544154534D4BL; // "KMSTAT01"
    private static final int REPLY_BYTES = 80;

    private StatusProbe() {
    }

    public static void main(String[] args) throws Exception {
        InetAddress guest = InetAddress.getByName(args[0]);
        long intervalNanos = TimeUnit.MICROSECONDS.toNanos(Long.parseLong(args[1]));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[2]));
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, "UTF-8");
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(100);
            Thread receiver = new Thread(() -> receive(socket, out), "probe-receiver");
            receiver.setDaemon(true);
            receiver.start();
            Thread stdinWatch = new Thread(StatusProbe::awaitStdinClosed, "probe-stdin");
            stdinWatch.setDaemon(true);
            stdinWatch.start();
            out.println("ready " + socket.getLocalPort());
            out.flush();
            send(socket, guest, intervalNanos, deadline, stdinWatch);
        }
        out.println("done");
        out.flush();
    }

    private static void send(DatagramSocket socket, InetAddress guest, long intervalNanos, long deadline, Thread stdinWatch)
            throws IOException {
        ByteBuffer request = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        long next = System.nanoTime();
        for (long nonce = 1; stdinWatch.isAlive() && System.nanoTime() < deadline; nonce++) {
            request.putLong(0, nonce);
            socket.send(new DatagramPacket(request.array(), 8, guest, STATUS_PORT));
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else {
                next = System.nanoTime(); // fell behind (a stalled machine): do not burst to catch up
            }
        }
    }

    private static void receive(DatagramSocket socket, PrintStream out) {
        byte[] buffer = new byte[2048];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        while (!socket.isClosed()) {
            try {
                socket.receive(packet);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (SocketException e) {
                return; // closed at the end
            } catch (IOException e) {
                out.println("error " + e.getMessage());
                continue;
            }
            long micros = nowMicros();
            ByteBuffer b = ByteBuffer.wrap(buffer, 0, packet.getLength()).order(ByteOrder.LITTLE_ENDIAN);
            if (packet.getLength() < REPLY_BYTES || b.getLong(0) != REPLY_MAGIC) {
                out.println("junk " + packet.getLength());
                continue;
            }
            out.println("reply " + b.getLong(72) + " " + micros + " " + b.getLong(8) + " " + b.getLong(16) + " "
                    + b.getLong(40) + " " + b.getLong(32) + " " + b.getLong(56));
            out.flush();
        }
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    private static void awaitStdinClosed() {
        try {
            while (System.in.read() >= 0) {
                // Anything written to us is ignored; only the end matters.
            }
        } catch (IOException e) {
            // Treated as closed.
        }
    }
}
