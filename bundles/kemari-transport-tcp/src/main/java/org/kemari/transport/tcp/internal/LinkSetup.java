package org.kemari.transport.tcp.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

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
     * each side sees the other's version and can name both in its error. The whole exchange has
     * one deadline: a peer that sends its hello a byte at a time does not get the timeout again
     * with every byte.
     *
     * @param timeoutReason what a silent or vanished peer means on this side
     */
    static Handshake exchange(LinkIo channel, Handshake ours, String peer, int timeoutMillis,
            Reason timeoutReason) throws TransportException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try {
            channel.writeFully(new ByteBuffer[] {ours.encode()});
            byte[] theirs = new byte[Handshake.SIZE];
            readFully(channel.socket(), theirs, deadline);
            channel.socket().setSoTimeout(0);
            return ours.accept(ByteBuffer.wrap(theirs), peer);
        } catch (SocketTimeoutException e) {
            throw new TransportException(timeoutReason,
                    peer + " did not complete the handshake within " + timeoutMillis + " ms", e);
        } catch (EOFException e) {
            throw new TransportException(timeoutReason, peer + " closed the connection during the handshake", e);
        } catch (IOException e) {
            if (channel instanceof TlsLinkIo) {
                // TLS 1.3: the client finishes its handshake before the server has judged its
                // certificate; a refusal arrives here, at the first read or write after it.
                throw new TransportException(timeoutReason, "TLS handshake with " + peer + " failed: " + TlsContext.why(e), e);
            }
            throw new TransportException(timeoutReason, "handshake with " + peer + " failed: " + e.getMessage(), e);
        }
    }

    static String describe(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Reads {@code b} whole before {@code deadline} (System.nanoTime()). */
    private static void readFully(Socket socket, byte[] b, long deadline) throws IOException {
        // The socket adaptor's stream honours SO_TIMEOUT; a plain channel read would not.
        InputStream in = socket.getInputStream();
        int off = 0;
        while (off < b.length) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new SocketTimeoutException("handshake deadline passed");
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            int n = in.read(b, off, b.length - off);
            if (n < 0) {
                throw new EOFException();
            }
            off += n;
        }
    }
}
