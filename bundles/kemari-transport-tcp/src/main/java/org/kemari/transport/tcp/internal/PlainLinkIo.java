package org.kemari.transport.tcp.internal;

import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** Plain TCP: gathering writes straight from the frame's buffers. */
final class PlainLinkIo implements LinkIo {
    private final SocketChannel channel;

    PlainLinkIo(SocketChannel channel) {
        this.channel = channel;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return channel.read(dst);
    }

    @Override
    public void writeFully(ByteBuffer[] srcs) throws IOException {
        int first = 0;
        while (first < srcs.length) {
            channel.write(srcs, first, srcs.length - first);
            while (first < srcs.length && !srcs[first].hasRemaining()) {
                first++;
            }
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public Socket socket() {
        return channel.socket();
    }
}
