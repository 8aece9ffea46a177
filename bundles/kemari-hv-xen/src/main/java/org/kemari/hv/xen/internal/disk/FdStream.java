package org.kemari.hv.xen.internal.disk;

import java.io.EOFException;
import java.io.IOException;

import org.kemari.hv.xen.internal.sys.LibC;
import org.kemari.hv.xen.internal.sys.NativeError;

import com.sun.jna.Memory;
import com.sun.jna.Native;

/**
 * Blocking reads and writes on a raw file descriptor (one end of a socketpair whose other end
 * belongs to the kernel's nbd device): Java cannot wrap a descriptor it did not open in a channel.
 * Each write puts all its parts on the stream as one piece (a reply header and its data).
 */
final class FdStream implements AutoCloseable {
    private final LibC libc;
    private final int fd;
    private volatile boolean closed;

    FdStream(LibC libc, int fd) {
        this.libc = libc;
        this.fd = fd;
    }

    /** Reads exactly {@code length} bytes; EOFException if the peer closed before. */
    byte[] readFully(int length) throws IOException {
        if (length == 0) {
            return new byte[0];
        }
        try (Memory m = new Memory(length)) {
            long off = 0;
            while (off < length) {
                long n = libc.read(fd, m.share(off), length - off);
                if (n == 0) {
                    throw new EOFException("the peer closed the connection after " + off + " of " + length + " bytes");
                }
                if (n < 0) {
                    failed("read");
                    continue;
                }
                off += n;
            }
            return m.getByteArray(0, length);
        }
    }

    /** Writes every part, in order, as one piece of the stream. */
    synchronized void write(byte[]... parts) throws IOException {
        int total = 0;
        for (byte[] p : parts) {
            total += p.length;
        }
        try (Memory m = new Memory(Math.max(1, total))) {
            int at = 0;
            for (byte[] p : parts) {
                m.write(at, p, 0, p.length);
                at += p.length;
            }
            long off = 0;
            while (off < total) {
                long n = libc.write(fd, m.share(off), total - off);
                if (n < 0) {
                    failed("write");
                    continue;
                }
                off += n;
            }
        }
    }

    /** Retries on EINTR; anything else (or a closed stream) ends the connection. */
    private void failed(String call) throws IOException {
        int errno = Native.getLastError();
        if (closed || errno != LibC.EINTR) {
            throw new IOException(call + " on the NBD connection failed: " + (closed ? "closed" : NativeError.describe(errno)));
        }
    }

    /** Wakes a blocked reader (shutdown) and releases the descriptor. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            libc.shutdown(fd, 2);
            libc.close(fd);
        }
    }
}
