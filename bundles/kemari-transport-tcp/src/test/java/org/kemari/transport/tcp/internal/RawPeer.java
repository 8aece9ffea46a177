package org.kemari.transport.tcp.internal;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * A hand-driven peer on a plain socket: it can handshake like a Kemari peer and then stay
 * silent, send arbitrary bytes, or reset the connection. Plays either end.
 */
final class RawPeer implements AutoCloseable {
    private final Socket socket;
    private final ServerSocket server;

    private RawPeer(Socket socket, ServerSocket server) {
        this.socket = socket;
        this.server = server;
    }

    /** Connects to a listener (playing a primary). */
    static RawPeer connect(int port) throws IOException {
        return new RawPeer(new Socket(InetAddress.getLoopbackAddress(), port), null);
    }

    /** Listens on an ephemeral loopback port (playing a standby); call {@link #acceptPeer()} next. */
    static RawPeer listen() throws IOException {
        return new RawPeer(null, new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
    }

    int listeningPort() {
        return server.getLocalPort();
    }

    /** Accepts one connection on a listening raw peer. */
    RawPeer acceptPeer() throws IOException {
        server.setSoTimeout(5000);
        return new RawPeer(server.accept(), null);
    }

    /** Sends our hello and reads the other side's. */
    RawPeer handshake(Handshake hello) throws IOException {
        write(hello.encode());
        byte[] theirs = new byte[Handshake.SIZE];
        new DataInputStream(socket.getInputStream()).readFully(theirs);
        return this;
    }

    RawPeer handshake() throws IOException {
        return handshake(Handshake.current(TcpSettings.defaults().maxFrameBytes()));
    }

    void write(ByteBuffer b) throws IOException {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        socket.getOutputStream().write(a);
        socket.getOutputStream().flush();
    }

    /** Closes with SO_LINGER 0, which sends a TCP reset instead of a FIN. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
