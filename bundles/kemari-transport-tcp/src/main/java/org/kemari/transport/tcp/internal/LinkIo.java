package org.kemari.transport.tcp.internal;

import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * The byte stream under a replication link: a plain TCP channel, or TLS over it. Blocking; one
 * reader thread and one writer at a time (the link serialises its sends).
 */
interface LinkIo extends AutoCloseable {

    /** Reads what is there into {@code dst} (at least one byte); -1 at the end of the stream. */
    int read(ByteBuffer dst) throws IOException;

    /** Writes every remaining byte of {@code srcs}. */
    void writeFully(ByteBuffer[] srcs) throws IOException;

    /** No more bytes from this side; the peer reads the end of the stream. */
    void shutdownOutput() throws IOException;

    @Override
    void close() throws IOException;

    /** The socket, for read deadlines (SO_TIMEOUT) during the handshake. */
    Socket socket();
}
