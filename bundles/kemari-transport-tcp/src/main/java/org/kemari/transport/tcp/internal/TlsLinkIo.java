package org.kemari.transport.tcp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;

import javax.net.ssl.SSLSocket;

/**
 * TLS (JSSE's SSLSocket layered on the connected TCP socket). Writes are copied into one staging
 * array and written in large pieces, so TLS records stay big (up to 16 KiB each).
 */
final class TlsLinkIo implements LinkIo {
    private static final int STAGE_BYTES = 64 << 10;

    private final SSLSocket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] stage = new byte[STAGE_BYTES];
    private final byte[] readBuffer = new byte[STAGE_BYTES];

    TlsLinkIo(SSLSocket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (dst.hasArray()) {
            int n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
        }
        int n = in.read(readBuffer, 0, Math.min(readBuffer.length, dst.remaining()));
        if (n > 0) {
            dst.put(readBuffer, 0, n);
        }
        return n;
    }

    @Override
    public void writeFully(ByteBuffer[] srcs) throws IOException {
        int used = 0;
        for (ByteBuffer src : srcs) {
            while (src.hasRemaining()) {
                if (used == stage.length) {
                    out.write(stage, 0, used);
                    used = 0;
                }
                int n = Math.min(src.remaining(), stage.length - used);
                src.get(stage, used, n);
                used += n;
            }
        }
        if (used > 0) {
            out.write(stage, 0, used);
        }
        out.flush();
    }

    @Override
    public void shutdownOutput() throws IOException {
        // TLS 1.3 half-closes with close_notify; the peer reads the end of the stream.
        socket.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    @Override
    public Socket socket() {
        return socket;
    }
}
