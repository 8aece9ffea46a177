package org.kemari.hv.xen.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;
import org.kemari.hv.xen.internal.sys.DomainInfo;
import org.kemari.hv.xen.internal.sys.XcHandle;
import org.kemari.hv.xen.internal.sys.XenConstants;
import org.kemari.hv.xen.internal.sys.XenGuest;
import org.kemari.hv.xen.internal.sys.XgHandle;
import org.kemari.hv.xen.internal.sys.XsHandle;


/**
 * The primary side of a protected Xen guest: {@code xc_domain_save} in REMUS mode, writing the
 * initial copy and then one checkpoint per {@link CheckpointGate} release to a file descriptor.
 * The guest is suspended cooperatively (xenstore {@code control/shutdown = "suspend"}) and resumed
 * with a fast resume, as libxl's Remus does. Runs on the calling thread until the stream ends.
 */
public final class RemusSave {
    private static final long SUSPEND_TIMEOUT_MS = 30_000;

    private final XcHandle xc;
    private final XsHandle xs;
    private final int domid;
    private final AtomicInteger checkpoints = new AtomicInteger();
    /** Keeps the running save's callbacks reachable (see run). */
    private volatile XenGuest.SaveCallbacks callbacks;
    private final AtomicReference<Throwable> callbackFailure = new AtomicReference<>();
    private volatile long lastSuspendNanos;
    private volatile java.util.function.IntConsumer onSuspended = n -> { };
    private final AtomicInteger suspends = new AtomicInteger();

    public RemusSave(XcHandle xc, XsHandle xs, int domid) {
        this.xc = xc;
        this.xs = xs;
        this.domid = domid;
    }

    /**
     * Called on the saving thread each time the guest is suspended for a checkpoint, with the
     * suspend's number (1 = the initial copy's final stop), before its last pages are copied.
     */
    public RemusSave onSuspended(java.util.function.IntConsumer listener) {
        this.onSuspended = listener;
        return this;
    }

    /** Checkpoints written so far. */
    public int checkpoints() {
        return checkpoints.get();
    }

    /** How long the last cooperative suspend took, in nanoseconds. */
    public long lastSuspendNanos() {
        return lastSuspendNanos;
    }

    /**
     * Streams until {@code gate} says stop (returns normally) or anything fails (throws). Closing
     * {@code fd} is the caller's business; the receiver treats end-of-stream as failover.
     */
    public void run(int fd, CheckpointGate gate) throws HypervisorException {
        XenGuest.SaveCallbacks cb = new XenGuest.SaveCallbacks();
        // libxenguest calls these for as long as the stream runs (the whole protection): the
        // structure and the callbacks must stay reachable, or the collector frees their native
        // trampolines under it (JNA holds callbacks weakly).
        callbacks = cb;
        cb.suspend = data -> guard(this::suspend);
        cb.postcopy = data -> guard(this::resume);
        cb.checkpoint = data -> guard(() -> gate.afterCheckpoint(checkpoints.incrementAndGet()));
        cb.switch_qemu_logdirty = (dom, enable, data) -> 0; // no device model for a PVH guest
        try {
            XgHandle.on(xc).save(fd, domid, XenConstants.XCFLAGS_LIVE, cb, XenConstants.XC_STREAM_REMUS);
        } catch (HypervisorException e) {
            Throwable cause = callbackFailure.get();
            throw cause == null ? e : new HypervisorException(e.reason(), e.getMessage() + " after: " + cause, cause);
        }
        java.lang.ref.Reference.reachabilityFence(cb);
        if (callbackFailure.get() != null) {
            throw new HypervisorException(Reason.HOST_ERROR, "REMUS save ended by a failed callback",
                    callbackFailure.get());
        }
    }

    private interface Step {
        boolean run() throws Exception;
    }

    /** Callbacks run inside native code: nothing may be thrown through it, so failures end the stream. */
    private int guard(Step step) {
        try {
            return step.run() ? 1 : 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (Throwable t) {
            callbackFailure.compareAndSet(null, t);
            return 0;
        }
    }

    private boolean suspend() throws HypervisorException, InterruptedException {
        long t0 = System.nanoTime();
        xs.write(xs.domainPath(domid) + "/control/shutdown", "suspend");
        while (System.nanoTime() - t0 < SUSPEND_TIMEOUT_MS * 1_000_000L) {
            DomainInfo info = xc.domainInfo(domid).orElseThrow(() ->
                    new HypervisorException(Reason.GUEST_FAILED, "domain " + domid + " vanished during suspend"));
            if (info.has(XenConstants.DOMINF_SHUTDOWN)
                    && info.shutdownReason() == XenConstants.SHUTDOWN_SUSPEND) {
                lastSuspendNanos = System.nanoTime() - t0;
                onSuspended.accept(suspends.incrementAndGet());
                return true;
            }
            Thread.sleep(1);
        }
        throw new HypervisorException(Reason.GUEST_FAILED, "domain " + domid + " did not suspend within "
                + SUSPEND_TIMEOUT_MS + " ms (no PV suspend support?)");
    }

    /** After the checkpoint's pages are copied: the guest sees a cancelled suspend and runs on. */
    private boolean resume() throws HypervisorException {
        XgHandle.on(xc).resume(domid, true);
        xs.resumeDomain(domid);
        return true;
    }
}
