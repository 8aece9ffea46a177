package org.kemari.hv.kvm.internal.nbd;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small in-process NBD server for client tests: fixed newstyle, NBD_OPT_GO, simple replies, one
 * thread per connection, exports held in byte arrays. Knobs make it misbehave the ways a real
 * server or network can.
 */
final class FakeNbdServer implements AutoCloseable {
    private final ServerSocket listener;
    private final Thread acceptor;
    private final List<Socket> connections = new ArrayList<>();
    final Map<String, byte[]> exports = new ConcurrentHashMap<>();
    final Map<String, Integer> transmissionFlags = new ConcurrentHashMap<>();
    /** Requests answered on a connection before it is dropped (negative: never). */
    volatile int dropAfterRequests = -1;
    /** Answer requests with this errno instead of serving them (0: serve). */
    volatile int failWith;
    /** Read requests but never answer them. */
    volatile boolean silent;
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger largestRequest = new AtomicInteger();
    final AtomicInteger disconnects = new AtomicInteger();
    /** Connections whose serving thread has finished (so everything it counted is counted). */
    private int ended;

    FakeNbdServer() throws IOException {
        listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptLoop, "fake-nbd-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    void export(String name, int bytes, boolean readOnly) {
        exports.put(name, new byte[bytes]);
        transmissionFlags.put(name, NbdProtocol.TFLAG_HAS_FLAGS | NbdProtocol.TFLAG_SEND_FLUSH
                | (readOnly ? NbdProtocol.TFLAG_READ_ONLY : 0));
    }

    NbdUri uri(String export) {
        return new NbdUri("127.0.0.1", listener.getLocalPort(), export);
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                synchronized (connections) {
                    connections.add(s);
                }
                Thread t = new Thread(() -> serve(s), "fake-nbd-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
            out.writeLong(NbdProtocol.INIT_MAGIC);
            out.writeLong(NbdProtocol.OPTION_MAGIC);
            out.writeShort(NbdProtocol.FLAG_FIXED_NEWSTYLE | NbdProtocol.FLAG_NO_ZEROES);
            out.flush();
            in.readInt();
            String export = negotiate(in, out);
            if (export != null) {
                transmit(in, out, export);
            }
        } catch (IOException e) {
            // The client went away or the test dropped the connection.
        } finally {
            synchronized (this) {
                ended++;
                notifyAll();
            }
        }
    }

    /**
     * Waits until {@code count} connections have been served to their end: a client's close returns
     * once its bytes are sent, before this server's thread has read them and counted what it saw.
     */
    synchronized boolean awaitConnectionsEnded(int count, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (ended < count) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    private String negotiate(DataInputStream in, DataOutputStream out) throws IOException {
        while (true) {
            if (in.readLong() != NbdProtocol.OPTION_MAGIC) {
                return null;
            }
            int option = in.readInt();
            byte[] data = in.readNBytes(in.readInt());
            if (option == NbdProtocol.OPT_ABORT) {
                return null;
            }
            if (option != NbdProtocol.OPT_GO) {
                optionReply(out, option, NbdProtocol.REP_ERR_UNSUP, new byte[0]);
                continue;
            }
            int nameLength = ((data[0] & 0xff) << 24) | ((data[1] & 0xff) << 16) | ((data[2] & 0xff) << 8) | (data[3] & 0xff);
            String name = new String(data, 4, nameLength, StandardCharsets.UTF_8);
            byte[] disk = exports.get(name);
            if (disk == null) {
                optionReply(out, option, NbdProtocol.REP_ERR_UNKNOWN, "Export unknown".getBytes(StandardCharsets.UTF_8));
                continue;
            }
            java.nio.ByteBuffer info = java.nio.ByteBuffer.allocate(12);
            info.putShort((short) NbdProtocol.INFO_EXPORT).putLong(disk.length).putShort(transmissionFlags.get(name).shortValue());
            optionReply(out, option, NbdProtocol.REP_INFO, info.array());
            optionReply(out, option, NbdProtocol.REP_ACK, new byte[0]);
            return name;
        }
    }

    private static void optionReply(DataOutputStream out, int option, int type, byte[] data) throws IOException {
        out.writeLong(NbdProtocol.OPTION_REPLY_MAGIC);
        out.writeInt(option);
        out.writeInt(type);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    private void transmit(DataInputStream in, DataOutputStream out, String export) throws IOException {
        byte[] disk = exports.get(export);
        int served = 0;
        while (true) {
            if (in.readInt() != NbdProtocol.REQUEST_MAGIC) {
                return;
            }
            in.readShort();
            int type = in.readShort();
            long handle = in.readLong();
            int offset = (int) in.readLong();
            int length = in.readInt();
            byte[] data = type == NbdProtocol.CMD_WRITE ? in.readNBytes(length) : null;
            if (type == NbdProtocol.CMD_DISC) {
                disconnects.incrementAndGet();
                return;
            }
            requests.incrementAndGet();
            largestRequest.accumulateAndGet(length, Math::max);
            if (dropAfterRequests >= 0 && served >= dropAfterRequests) {
                return;
            }
            served++;
            if (silent) {
                continue;
            }
            int error = failWith;
            if (error == 0 && type == NbdProtocol.CMD_WRITE && (transmissionFlags.get(export) & NbdProtocol.TFLAG_READ_ONLY) != 0) {
                error = 1;
            }
            out.writeInt(NbdProtocol.SIMPLE_REPLY_MAGIC);
            out.writeInt(error);
            out.writeLong(handle);
            if (error == 0) {
                synchronized (disk) {
                    if (type == NbdProtocol.CMD_READ) {
                        out.write(disk, offset, length);
                    } else if (type == NbdProtocol.CMD_WRITE) {
                        System.arraycopy(data, 0, disk, offset, length);
                    }
                }
            }
            out.flush();
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        synchronized (connections) {
            for (Socket s : connections) {
                s.close();
            }
        }
    }
}
