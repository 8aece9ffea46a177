package org.kemari.hv.kvm.internal.nbd;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection to one NBD export, in the transmission phase: READ, WRITE, FLUSH and DISC with
 * simple replies, one request at a time (callers are serialised). Requests larger than
 * {@link #MAX_CHUNK_BYTES} are split, since servers may refuse large ones.
 *
 * <p>A connection that broke (EOF, reset, a reply not arriving within the request timeout, a
 * reply out of step) is never used again: the stream position is unknown. Every later request
 * fails at once with {@link NbdException.Reason#CONNECTION_LOST} naming the first cause, so a
 * guest sees I/O errors rather than a hang. An error <em>reply</em> fails only its request.
 */
public final class NbdClient implements AutoCloseable {
    /** Largest single request sent; the protocol recommends servers take at least 32 MiB, nbd-server does. */
    static final int MAX_CHUNK_BYTES = 4 << 20;

    private final NbdUri uri;
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final NbdExport export;
    private final ReentrantLock lock = new ReentrantLock();
    private long nextHandle = 1;
    private volatile IOException broken;
    private volatile boolean closed;

    private NbdClient(NbdUri uri, Socket socket, NbdExport export) throws IOException {
        this.uri = uri;
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
        this.export = export;
    }

    /**
     * Connects to the export and negotiates it.
     *
     * @param connectTimeoutMillis for the TCP connection and the whole negotiation
     * @param requestTimeoutMillis how long one request may wait for its reply before the connection is given up
     * @throws NbdException UNREACHABLE, NOT_NBD, UNKNOWN_EXPORT, REFUSED or CONNECTION_LOST, with a message for the operator
     */
    public static NbdClient connect(NbdUri uri, int connectTimeoutMillis, int requestTimeoutMillis) throws NbdException {
        Socket socket = new Socket();
        try {
            try {
                socket.connect(new InetSocketAddress(uri.host(), uri.port()), connectTimeoutMillis);
            } catch (ConnectException e) {
                throw new NbdException(NbdException.Reason.UNREACHABLE, "nbd-server " + uri.server() + " refused the connection", e);
            } catch (SocketTimeoutException e) {
                throw new NbdException(NbdException.Reason.UNREACHABLE, "nbd-server " + uri.server()
                        + " did not answer within " + connectTimeoutMillis + " ms", e);
            } catch (UnknownHostException e) {
                throw new NbdException(NbdException.Reason.UNREACHABLE, "nbd-server host '" + uri.host() + "' is unknown", e);
            } catch (NoRouteToHostException e) {
                throw new NbdException(NbdException.Reason.UNREACHABLE, "no route to nbd-server " + uri.server(), e);
            } catch (IOException e) {
                throw new NbdException(NbdException.Reason.UNREACHABLE, "cannot connect to nbd-server " + uri.server()
                        + ": " + e.getMessage(), e);
            }
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(connectTimeoutMillis);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
            NbdExport export;
            try {
                export = NbdHandshake.negotiate(in, out, uri.server(), uri.exportName());
            } catch (NbdException e) {
                throw e;
            } catch (EOFException e) {
                throw new NbdException(NbdException.Reason.CONNECTION_LOST, "nbd-server " + uri.server()
                        + " closed the connection during negotiation of export '" + uri.exportName()
                        + "' (is the client allowed by the server's authfile?)", e);
            } catch (IOException e) {
                throw new NbdException(NbdException.Reason.CONNECTION_LOST, "negotiation with nbd-server " + uri.server()
                        + " failed: " + e.getMessage(), e);
            }
            socket.setSoTimeout(requestTimeoutMillis);
            return new NbdClient(uri, socket, export);
        } catch (NbdException | RuntimeException e) {
            closeQuietly(socket);
            throw e;
        } catch (IOException e) {
            closeQuietly(socket);
            throw new NbdException(NbdException.Reason.CONNECTION_LOST, "nbd-server " + uri.server() + ": " + e.getMessage(), e);
        }
    }

    public NbdExport export() {
        return export;
    }

    public NbdUri uri() {
        return uri;
    }

    /** Fills {@code dst} from byte {@code offset} of the export. */
    public void read(long offset, ByteBuffer dst) throws NbdException {
        lock.lock();
        try {
            long at = offset;
            while (dst.hasRemaining()) {
                int n = Math.min(dst.remaining(), MAX_CHUNK_BYTES);
                ByteBuffer chunk = dst.slice(dst.position(), n);
                request(NbdProtocol.CMD_READ, at, n, null, chunk);
                dst.position(dst.position() + n);
                at += n;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Writes all of {@code src} at byte {@code offset}; the server has it when this returns. */
    public void write(long offset, ByteBuffer src) throws NbdException {
        lock.lock();
        try {
            long at = offset;
            while (src.hasRemaining()) {
                int n = Math.min(src.remaining(), MAX_CHUNK_BYTES);
                request(NbdProtocol.CMD_WRITE, at, n, src.slice(src.position(), n), null);
                src.position(src.position() + n);
                at += n;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Asks the server to make completed writes durable; nothing to do if it does not take flushes. */
    public void flush() throws NbdException {
        if (!export.acceptsFlush()) {
            return;
        }
        lock.lock();
        try {
            request(NbdProtocol.CMD_FLUSH, 0, 0, null, null);
        } finally {
            lock.unlock();
        }
    }

    private void request(int command, long offset, int length, ByteBuffer data, ByteBuffer into) throws NbdException {
        checkUsable();
        long handle = nextHandle++;
        try {
            out.writeInt(NbdProtocol.REQUEST_MAGIC);
            out.writeShort(0);
            out.writeShort(command);
            out.writeLong(handle);
            out.writeLong(offset);
            out.writeInt(length);
            if (data != null) {
                writeBuffer(data);
            }
            out.flush();
            int magic = in.readInt();
            int error = in.readInt();
            long replyHandle = in.readLong();
            if (magic != NbdProtocol.SIMPLE_REPLY_MAGIC) {
                throw new IOException(magic == NbdProtocol.STRUCTURED_REPLY_MAGIC
                        ? "the server sent a structured reply, which was not negotiated"
                        : "bad reply magic 0x" + Integer.toHexString(magic));
            }
            if (replyHandle != handle) {
                throw new IOException("reply for handle " + replyHandle + " while waiting for " + handle);
            }
            if (error != 0) {
                // A simple error reply carries no data: the stream is still in step.
                throw new NbdException(NbdException.Reason.REQUEST_FAILED, "nbd-server " + uri.server() + " export '"
                        + uri.exportName() + "': " + commandName(command) + " of " + length + " bytes at " + offset
                        + " failed: " + NbdProtocol.errorName(error));
            }
            if (into != null) {
                readBuffer(into);
            }
        } catch (NbdException e) {
            throw e;
        } catch (IOException e) {
            throw lost(command, e);
        }
    }

    private void writeBuffer(ByteBuffer data) throws IOException {
        if (data.hasArray()) {
            out.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
            return;
        }
        byte[] chunk = new byte[Math.min(data.remaining(), 64 * 1024)];
        ByteBuffer d = data.duplicate();
        while (d.hasRemaining()) {
            int n = Math.min(chunk.length, d.remaining());
            d.get(chunk, 0, n);
            out.write(chunk, 0, n);
        }
    }

    private void readBuffer(ByteBuffer into) throws IOException {
        ByteBuffer d = into.duplicate();
        if (d.hasArray()) {
            in.readFully(d.array(), d.arrayOffset() + d.position(), d.remaining());
            return;
        }
        byte[] chunk = new byte[Math.min(d.remaining(), 64 * 1024)];
        while (d.hasRemaining()) {
            int n = Math.min(chunk.length, d.remaining());
            in.readFully(chunk, 0, n);
            d.put(chunk, 0, n);
        }
    }

    private void checkUsable() throws NbdException {
        if (closed) {
            throw new NbdException(NbdException.Reason.CONNECTION_LOST, "connection to nbd-server " + uri.server()
                    + " (export '" + uri.exportName() + "') is closed");
        }
        IOException cause = broken;
        if (cause != null) {
            throw new NbdException(NbdException.Reason.CONNECTION_LOST, "connection to nbd-server " + uri.server()
                    + " (export '" + uri.exportName() + "') was lost earlier: " + describe(cause), cause);
        }
    }

    private NbdException lost(int command, IOException e) {
        broken = e;
        closeQuietly(socket);
        return new NbdException(NbdException.Reason.CONNECTION_LOST, "lost the connection to nbd-server " + uri.server()
                + " (export '" + uri.exportName() + "') during " + commandName(command) + ": " + describe(e), e);
    }

    private static String describe(IOException e) {
        if (e instanceof EOFException) {
            return "the server closed the connection";
        }
        if (e instanceof SocketTimeoutException) {
            return "no reply within the request timeout";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private static String commandName(int command) {
        return switch (command) {
            case NbdProtocol.CMD_READ -> "read";
            case NbdProtocol.CMD_WRITE -> "write";
            case NbdProtocol.CMD_FLUSH -> "flush";
            case NbdProtocol.CMD_DISC -> "disconnect";
            default -> "command " + command;
        };
    }

    /** Whether the connection still works (not closed, not broken). */
    public boolean usable() {
        return !closed && broken == null;
    }

    /**
     * Sends NBD_CMD_DISC (which has no reply) if no request is running, and closes the socket;
     * a request blocked in another thread fails at once. Never throws.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (broken == null && lock.tryLock(100, TimeUnit.MILLISECONDS)) {
                try {
                    out.writeInt(NbdProtocol.REQUEST_MAGIC);
                    out.writeShort(0);
                    out.writeShort(NbdProtocol.CMD_DISC);
                    out.writeLong(nextHandle++);
                    out.writeLong(0);
                    out.writeInt(0);
                    out.flush();
                } catch (IOException e) {
                    // Closing anyway.
                } finally {
                    lock.unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing more to release.
        }
    }

    @Override
    public String toString() {
        return uri.toString();
    }
}
