package org.kemari.hv.xen.internal;

/**
 * What the REMUS save loop asks between checkpoints: the engine's seam. libxenguest calls
 * {@link #afterCheckpoint} on the saving thread once checkpoint {@code n} has been written to the
 * stream; an event-driven engine waits there for the standby's acknowledgement of {@code n}
 * (releasing the output it held) and then for the next externally visible output.
 */
public interface CheckpointGate {

    /**
     * Blocks until the next checkpoint should be taken.
     *
     * @param n the checkpoint just written (1 = the first, after the initial copy)
     * @return true to take another checkpoint, false to end the stream (protection ends)
     */
    boolean afterCheckpoint(int n) throws InterruptedException;
}
