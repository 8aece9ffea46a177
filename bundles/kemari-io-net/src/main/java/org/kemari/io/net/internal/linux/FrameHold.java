package org.kemari.io.net.internal.linux;

import java.io.IOException;

/**
 * Frames of one host interface held in buffers: the one filling and at most one closed, waiting
 * for release (the shape of the kernel's plug qdisc).
 */
public interface FrameHold {

    /** The host interface whose frames are held. */
    String iface();

    /** Frames held now, in all buffers. */
    long queued() throws IOException;

    /** Frames from now on go into a new buffer; the ones before make the closed buffer. */
    void closeBuffer() throws IOException;

    /** Lets out the closed buffer's frames. */
    void releaseClosed() throws IOException;

    /** Ends holding: lets everything out ({@code release}) or drops it. Never throws. */
    void close(boolean release);
}
