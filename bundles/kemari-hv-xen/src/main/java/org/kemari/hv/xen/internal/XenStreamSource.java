package org.kemari.hv.xen.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

import org.kemari.api.hv.CheckpointStreamSink;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;
import org.kemari.hv.xen.internal.sys.DomainInfo;
import org.kemari.hv.xen.internal.sys.LibC;
import org.kemari.hv.xen.internal.sys.XcHandle;
import org.kemari.hv.xen.internal.sys.XenConstants;
import org.kemari.hv.xen.internal.sys.XgHandle;
import org.kemari.hv.xen.internal.sys.XsHandle;

/**
 * A Xen guest's REMUS stream as the engine's epochs: {@link RemusSave} writes into a pipe, a pump
 * thread passes the bytes to the engine's sink, and at each checkpoint callback the rest of the pipe
 * is drained on the saving thread before the engine is told that the epoch ends there. Epoch n =
 * the stream up to libxenguest's checkpoint n + 1 (its first checkpoint ends the initial copy).
 */
final class XenStreamSource {
    private static final int CHUNK = 1 << 20;

    private final XcHandle xc;
    private final XsHandle xs;
    private final int domid;
    private final LibC libc = org.kemari.hv.xen.internal.sys.NativeLibraries.libc();
    /** Reads from the pipe happen under this lock, so a drain sees every byte written before it. */
    private final ReentrantLock reading = new ReentrantLock();
    private final byte[] buffer = new byte[CHUNK];
    private volatile IOException sinkFailure;
    private volatile boolean saveDone;

    XenStreamSource(XcHandle xc, XsHandle xs, int domid) {
        this.xc = xc;
        this.xs = xs;
        this.domid = domid;
    }

    void run(CheckpointStreamSink sink) throws HypervisorException {
        int[] fds = new int[2];
        if (libc.pipe(fds) != 0) {
            throw new HypervisorException(Reason.HOST_ERROR, "pipe() failed");
        }
        Thread pump = new Thread(() -> pump(fds[0], sink), "xen-stream-pump-" + domid);
        pump.setDaemon(true);
        pump.start();
        RemusSave save = new RemusSave(xc, xs, domid).onSuspended(n -> sink.suspended(n - 1));
        try {
            save.run(fds[1], n -> {
                drain(fds[0], sink);
                // The engine ends epoch n - 1 here and waits for the next output; false ends the stream.
                return sinkFailure == null && sink.checkpointWritten(n - 1L);
            });
        } catch (HypervisorException e) {
            resumeIfSuspended();
            throw e;
        } finally {
            saveDone = true;
            libc.close(fds[1]);
            try {
                pump.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            libc.close(fds[0]);
        }
    }

    /** Passes bytes on as they come; after the save ends, what is left (END record) and stops. */
    private void pump(int fd, CheckpointStreamSink sink) {
        while (true) {
            boolean done = saveDone;
            if (!drain(fd, sink) && done) {
                return;
            }
            sleep(2);
        }
    }

    /** Reads everything now in the pipe into the sink; true if there was anything. */
    private boolean drain(int fd, CheckpointStreamSink sink) {
        reading.lock();
        try {
            boolean any = false;
            int[] avail = new int[1];
            while (libc.ioctl(fd, LibC.FIONREAD, avail) == 0 && avail[0] > 0) {
                long n = libc.read(fd, buffer, Math.min(avail[0], buffer.length));
                if (n <= 0) {
                    break;
                }
                any = true;
                if (sinkFailure == null) {
                    try {
                        sink.write(ByteBuffer.wrap(buffer, 0, (int) n));
                    } catch (IOException e) {
                        // Keep draining (discarding) so libxenguest never blocks on a full pipe.
                        sinkFailure = e;
                    }
                }
            }
            return any;
        } finally {
            reading.unlock();
        }
    }

    /** A save that failed during a checkpoint leaves the guest suspended: let it run on. */
    private void resumeIfSuspended() {
        try {
            DomainInfo info = xc.domainInfo(domid).orElse(null);
            if (info != null && info.has(XenConstants.DOMINF_SHUTDOWN)
                    && info.shutdownReason() == XenConstants.SHUTDOWN_SUSPEND) {
                XgHandle.on(xc).resume(domid, true);
                xs.resumeDomain(domid);
            }
        } catch (HypervisorException e) {
            // the domain is gone or broken: nothing left to resume
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
