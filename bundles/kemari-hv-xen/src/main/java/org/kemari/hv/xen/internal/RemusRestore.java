package org.kemari.hv.xen.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.kemari.api.hv.HypervisorException;
import org.kemari.hv.xen.internal.sys.CreateDomain;
import org.kemari.hv.xen.internal.sys.XcHandle;
import org.kemari.hv.xen.internal.sys.XenConstants;
import org.kemari.hv.xen.internal.sys.XenGuest;
import org.kemari.hv.xen.internal.sys.XgHandle;
import org.kemari.hv.xen.internal.sys.XsHandle;

/**
 * The standby side: an empty PVH domain fed by {@code xc_domain_restore} in REMUS mode. libxenguest
 * buffers each checkpoint and applies it only when the next CHECKPOINT record arrives complete, so
 * the domain always holds a whole checkpoint; when the stream ends (the primary died or stopped) it
 * keeps the last one and returns. {@link #takeOver} then makes it a running guest.
 */
public final class RemusRestore {
    private final XcHandle xc;
    private final XsHandle xs;
    private final AtomicInteger checkpoints = new AtomicInteger();
    /** Keeps the running restore's callbacks reachable (see receive). */
    private volatile XenGuest.RestoreCallbacks callbacks;
    private int domid = -1;
    private int storeEvtchn;
    private int consoleEvtchn;
    private XgHandle.Restored restored;

    public RemusRestore(XcHandle xc, XsHandle xs) {
        this.xc = xc;
        this.xs = xs;
    }

    /** Creates the empty domain the stream will fill; returns its id. */
    public int prepare(int vcpus, long maxMemKb) throws HypervisorException {
        domid = xc.createDomain(CreateDomain.pvh(vcpus));
        try {
            xc.setMaxVcpus(domid, vcpus); // allocates the vCPUs: without them the CPU record fails to load (EINVAL)
            xc.setMaxMemKb(domid, maxMemKb);
            storeEvtchn = xc.allocUnboundEvtchn(domid, 0);   // dom0 runs xenstored
            consoleEvtchn = xc.allocUnboundEvtchn(domid, 0); // and xenconsoled
        } catch (HypervisorException e) {
            discard();
            throw e;
        }
        return domid;
    }

    public int domid() {
        return domid;
    }

    /** The event channel ports made for xenstored and xenconsoled, for logs. */
    public String ports() {
        return "store port " + storeEvtchn + ", console port " + consoleEvtchn;
    }

    /** Checkpoints received complete so far. */
    public int checkpoints() {
        return checkpoints.get();
    }

    /** Reads the stream from {@code fd} until it ends; the domain then holds the last checkpoint, paused. */
    public void receive(int fd) throws HypervisorException {
        XenGuest.RestoreCallbacks cb = new XenGuest.RestoreCallbacks();
        cb.static_data_done = (missing, data) -> 0; // the stream carries CPUID/MSR policy itself
        cb.checkpoint = data -> {
            checkpoints.incrementAndGet();
            return XenConstants.XGR_CHECKPOINT_SUCCESS;
        };
        // Reachable for the whole restore, which lasts as long as protection (see RemusSave.run).
        callbacks = cb;
        restored = XgHandle.on(xc).restore(fd, domid, storeEvtchn, consoleEvtchn, XenConstants.XC_STREAM_REMUS, cb);
        java.lang.ref.Reference.reachabilityFence(cb);
    }

    /**
     * Failover: publishes the domain in xenstore (name, console for xenconsoled), introduces it to
     * xenstored and unpauses it. The guest returns from its suspend into this domain.
     */
    public void takeOver(String name) throws HypervisorException {
        publish(name);
        xc.unpause(domid);
    }

    /**
     * The first half of {@link #takeOver}: the domain becomes a named, introduced guest, still
     * paused (the engine registers it before it runs).
     */
    public void publish(String name) throws HypervisorException {
        String dom = xs.domainPath(domid);
        int[] guestOwns = {domid, XenConstants.XS_PERM_NONE};
        Map<String, int[]> dirs = new LinkedHashMap<>();
        for (String node : new String[] {dom, dom + "/control", dom + "/console", dom + "/device"}) {
            dirs.put(node, guestOwns); // the guest owns its subtree: made before the entries, which inherit it
        }
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put(dom + "/domid", Integer.toString(domid));
        entries.put(dom + "/console/ring-ref", Long.toString(restored.consoleGfn()));
        entries.put(dom + "/console/port", Integer.toString(consoleEvtchn));
        entries.put(dom + "/console/type", "xenconsoled");
        entries.put(dom + "/control/shutdown", "");
        xs.writeAtomically(entries, dirs);
        xs.write(dom + "/name", name);
        xs.setPermissions(dom + "/name", 0, XenConstants.XS_PERM_READ);
        xs.introduceDomain(domid, restored.storeGfn(), storeEvtchn);
    }

    /** Destroys the domain (a standby that is no longer needed). */
    public void discard() {
        if (domid >= 0) {
            try {
                xc.destroy(domid);
            } catch (HypervisorException e) {
                // already gone: nothing left to release
            }
            domid = -1;
        }
    }
}
