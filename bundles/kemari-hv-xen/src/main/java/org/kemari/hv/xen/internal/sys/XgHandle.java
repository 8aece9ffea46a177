package org.kemari.hv.xen.internal.sys;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;

/**
 * libxenguest's migration stream, checked. Both calls run for the whole stream and call back on
 * the calling thread; in REMUS mode the save side's {@code checkpoint} callback decides when the
 * next checkpoint is taken (Kemari: block until output waits) and returning 0 ends the stream.
 */
public final class XgHandle {
    private final XenGuest xg;
    private final XcHandle xc;

    private XgHandle(XenGuest xg, XcHandle xc) {
        this.xg = xg;
        this.xc = xc;
    }

    public static XgHandle on(XcHandle xc) throws HypervisorException {
        return new XgHandle(NativeLibraries.load(XenGuest.class, XenGuest.NAMES), xc);
    }

    /**
     * Streams the domain to {@code fd}. For HVM/PVH guests libxenguest calls
     * {@code switch_qemu_logdirty} unconditionally, so a missing one would crash the JVM: refused here.
     */
    public void save(int fd, int domid, int flags, XenGuest.SaveCallbacks cb, int streamType) throws HypervisorException {
        if (cb.suspend == null || cb.postcopy == null || cb.checkpoint == null) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "xc_domain_save needs suspend, postcopy and checkpoint callbacks");
        }
        DomainInfo info = xc.domainInfo(domid).orElseThrow(() ->
                new HypervisorException(Reason.INVALID_REQUEST, "xc_domain_save: no domain " + domid));
        if (info.has(XenConstants.DOMINF_HVM_GUEST) && cb.switch_qemu_logdirty == null) {
            throw new HypervisorException(Reason.INVALID_REQUEST,
                    "xc_domain_save of an HVM/PVH domain needs a switch_qemu_logdirty callback");
        }
        cb.write();
        if (xg.xc_domain_save(xc.raw(), fd, domid, flags, cb, streamType, -1) != 0) {
            throw NativeError.failed("xc_domain_save(domid " + domid + ", stream " + streamType + ")");
        }
    }

    /** The frames libxenguest reports after a restore. */
    public record Restored(long storeGfn, long consoleGfn) {
    }

    /**
     * Reads a stream from {@code fd} into the empty domain {@code domid}. In REMUS mode it returns
     * when the stream ends (the sender died or stopped): the domain then holds the last complete
     * checkpoint, paused.
     */
    public Restored restore(int fd, int domid, int storeEvtchn, int consoleEvtchn, int streamType,
                            XenGuest.RestoreCallbacks cb) throws HypervisorException {
        long[] store = {0};
        long[] console = {0};
        if (cb != null) {
            cb.write();
        }
        int rc = xg.xc_domain_restore(xc.raw(), fd, domid, storeEvtchn, store, 0, consoleEvtchn, console, 0,
                streamType, cb, -1);
        if (rc != 0) {
            throw NativeError.failed("xc_domain_restore(domid " + domid + ", stream " + streamType + ")");
        }
        return new Restored(store[0], console[0]);
    }

    /** Resumes a domain that suspended for a checkpoint; fast = the guest sees a cancelled suspend. */
    public void resume(int domid, boolean fast) throws HypervisorException {
        if (xg.xc_domain_resume(xc.raw(), domid, fast ? 1 : 0) != 0) {
            throw NativeError.failed("xc_domain_resume(domid " + domid + ", fast=" + fast + ")");
        }
    }
}
