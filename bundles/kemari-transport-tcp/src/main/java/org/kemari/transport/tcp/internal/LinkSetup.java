package org.kemari.transport.tcp.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import org.kemari.api.transport.TransportException;
import org.kemari.api.transport.TransportException.Reason;

/** Socket options and the hello exchange, shared by the connecting and the accepting side. */
final class LinkSetup {
    private LinkSetup() {
    }

    static void configure(SocketChannel channel, TcpSettings settings) throws IOException {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, settings.tcpNoDelay());
        if (settings.sendBufferBytes() > 0) {
            channel.setOption(StandardSocketOptions.SO_SNDBUF, settings.sendBufferBytes());
        }
        if (settings.receiveBufferBytes() > 0) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, settings.receiveBufferBytes());
        }
    }

    /**
     * Sends our hello, then reads and checks the peer's. Both sides write before they read, so
     * each side sees the other's version and can name both in its error.
     *
     * @param timeoutReason what a silent or vanished peer means on this side
     */
    static Handshake exchange(SocketChannel channel, Handshake ours, String peer, int timeoutMillis,
            Reason timeoutReason) throws TransportException {
        try {
            ByteBuffer hello = ours.encode();
            while (hello.hasRemaining()) {
                channel.write(hello);
            }
            // The socket adaptor's stream honours SO_TIMEOUT; a plain channel read would not.
            channel.socket().setSoTimeout(timeoutMillis);
            byte[] theirs = new byte[Handshake.SIZE];
            readFully(channel.socket().getInputStream(), theirs);
            channel.socket().setSoTimeout(0);
            return ours.accept(ByteBuffer.wrap(theirs), peer);
        } catch (SocketTimeoutException e) {
            throw new TransportException(timeoutReason,
                    peer + " did not complete the handshake within " + timeoutMillis + " ms", e);
        } catch (EOFException e) {
            throw new TransportException(timeoutReason, peer + " closed the connection during the handshake", e);
        } catch (IOException e) {
            throw new TransportException(timeoutReason, "handshake with " + peer + " failed: " + e.getMessage(), e);
        }
    }

    static String describe(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static void readFully(InputStream in, byte[] b) throws IOException {
        int off = 0;
        while (off < b.length) {
            int n = in.read(b, off, b.length - off);
            if (n < 0) {
                throw new EOFException();
            }
            off += n;
        }
    }
}
