package org.kemari.hv.xen.internal.sys;

import java.util.Optional;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;

import com.sun.jna.Pointer;

/**
 * An open libxenctrl interface ({@code xc_interface *}), checked: every failed call becomes a
 * {@link HypervisorException} naming the call and the domain. Needs /dev/xen/privcmd (a dom0).
 * One handle per thread that makes long calls (save/restore hold it for the whole stream).
 */
public final class XcHandle implements AutoCloseable {
    private final XenCtrl xc;
    private Pointer xch;

    private XcHandle(XenCtrl xc, Pointer xch) {
        this.xc = xc;
        this.xch = xch;
    }

    /** Opens the control interface (no logger: libxenctrl then logs errors to stderr). */
    public static XcHandle open() throws HypervisorException {
        Layouts.verify();
        XenCtrl xc = NativeLibraries.load(XenCtrl.class, XenCtrl.NAMES);
        Pointer xch = xc.xc_interface_open(null, null, 0);
        if (xch == null) {
            HypervisorException e = NativeError.failed("xc_interface_open");
            throw new HypervisorException(Reason.UNAVAILABLE, e.getMessage());
        }
        return new XcHandle(xc, xch);
    }

    /** The raw {@code xc_interface *}, for libxenguest calls that take it. */
    public Pointer raw() {
        return live();
    }

    /** The hypervisor's version as {major, minor}. */
    public int[] version() throws HypervisorException {
        int v = xc.xc_version(live(), XenCtrl.XENVER_VERSION, null);
        if (v < 0) {
            throw NativeError.failed("xc_version(XENVER_version)");
        }
        return new int[] {v >>> 16, v & 0xffff};
    }

    /**
     * The domain's info, or empty if there is no such domain. getinfolist returns the first domain
     * at or after {@code domid}, so its id is checked (xc_domain_getinfo is gone after 4.17).
     */
    public Optional<DomainInfo> domainInfo(int domid) throws HypervisorException {
        DomainInfo info = new DomainInfo();
        int n = xc.xc_domain_getinfolist(live(), domid, 1, info);
        if (n < 0) {
            throw NativeError.failed("xc_domain_getinfolist(domid " + domid + ")");
        }
        info.read();
        return n == 1 && info.domid() == domid ? Optional.of(info) : Optional.empty();
    }

    public void pause(int domid) throws HypervisorException {
        check(xc.xc_domain_pause(live(), domid), "xc_domain_pause", domid);
    }

    public void unpause(int domid) throws HypervisorException {
        check(xc.xc_domain_unpause(live(), domid), "xc_domain_unpause", domid);
    }

    public void destroy(int domid) throws HypervisorException {
        check(xc.xc_domain_destroy(live(), domid), "xc_domain_destroy", domid);
    }

    /** Creates an empty domain (no memory, no vCPU context) and returns its id. */
    public int createDomain(CreateDomain config) throws HypervisorException {
        int[] domid = {0}; // 0 asks Xen to choose
        if (xc.xc_domain_create(live(), domid, config) != 0) {
            throw NativeError.failed("xc_domain_create");
        }
        return domid[0];
    }

    public void setMaxVcpus(int domid, int vcpus) throws HypervisorException {
        check(xc.xc_domain_max_vcpus(live(), domid, vcpus), "xc_domain_max_vcpus", domid);
    }

    public void setMaxMemKb(int domid, long kb) throws HypervisorException {
        check(xc.xc_domain_setmaxmem(live(), domid, kb), "xc_domain_setmaxmem", domid);
    }

    /** An unbound event channel in {@code dom} that {@code remoteDom} may bind; returns its port. */
    public int allocUnboundEvtchn(int dom, int remoteDom) throws HypervisorException {
        int port = xc.xc_evtchn_alloc_unbound(live(), dom, remoteDom);
        if (port < 0) {
            throw NativeError.failed("xc_evtchn_alloc_unbound(domid " + dom + ", remote " + remoteDom + ")");
        }
        return port;
    }

    /** Size of the guest-physical frame space (highest gfn + 1): the length of a dirty bitmap. */
    public long nrGpfns(int domid) throws HypervisorException {
        long[] n = {0};
        check(xc.xc_domain_nr_gpfns(live(), domid, n), "xc_domain_nr_gpfns", domid);
        return n[0];
    }

    /**
     * Turns on log-dirty mode. Works with hardware-assisted paging (PVH/HVM); Debian's hypervisor has
     * no shadow paging, so a PV guest gets UNSUPPORTED (EOPNOTSUPP).
     */
    public void enableLogDirty(int domid) throws HypervisorException {
        check(xc.xc_shadow_control(live(), domid, XenConstants.SHADOW_OP_ENABLE_LOGDIRTY, null, 0),
                "xc_shadow_control(ENABLE_LOGDIRTY)", domid);
    }

    public void disableLogDirty(int domid) throws HypervisorException {
        check(xc.xc_shadow_control(live(), domid, XenConstants.SHADOW_OP_OFF, null, 0),
                "xc_shadow_control(OFF)", domid);
    }

    /** A hypercall-safe bitmap for {@code pages} guest frames; close it before this handle. */
    public DirtyBitmap newDirtyBitmap(long pages) throws HypervisorException {
        if (pages <= 0 || pages > (1L << 40)) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "dirty bitmap for " + pages + " pages");
        }
        int nrPages = (int) ((pages / 8 + XenConstants.PAGE_SIZE - 1) / XenConstants.PAGE_SIZE);
        HypercallBuffer hb = HypercallBuffer.unbounced();
        Pointer bits = xc.xc__hypercall_buffer_alloc_pages(live(), hb, nrPages);
        if (bits == null) {
            throw NativeError.failed("xc_hypercall_buffer_alloc_pages(" + nrPages + ")");
        }
        return new DirtyBitmap(this, hb, bits, nrPages, pages);
    }

    /**
     * Reads the log-dirty bitmap into {@code bitmap}; CLEAN also clears it (the next epoch starts
     * empty), PEEK leaves it. Returns the hypervisor's counters.
     */
    public ShadowOpStats readDirty(int domid, DirtyBitmap bitmap, boolean clean) throws HypervisorException {
        ShadowOpStats stats = new ShadowOpStats();
        int op = clean ? XenConstants.SHADOW_OP_CLEAN : XenConstants.SHADOW_OP_PEEK;
        bitmap.bits().setMemory(0, bitmap.bytes(), (byte) 0);
        long r = xc.xc_logdirty_control(live(), domid, op, bitmap.buffer(), bitmap.pages(), 0, stats);
        if (r < 0) {
            throw NativeError.failed("xc_logdirty_control(" + (clean ? "CLEAN" : "PEEK") + ", domid " + domid + ")");
        }
        stats.read();
        return stats;
    }

    void freeBitmap(HypercallBuffer hb, int nrPages) {
        if (xch != null) {
            xc.xc__hypercall_buffer_free_pages(xch, hb, nrPages);
        }
    }

    /** The whole HVM context blob (header, CPU, LAPIC, ... records; see {@link HvmSaveRecord}). */
    public byte[] hvmContext(int domid) throws HypervisorException {
        int size = xc.xc_domain_hvm_getcontext(live(), domid, null, 0);
        if (size <= 0) {
            throw NativeError.failed("xc_domain_hvm_getcontext(size, domid " + domid + ")");
        }
        byte[] buf = new byte[size];
        int got = xc.xc_domain_hvm_getcontext(live(), domid, buf, size);
        if (got <= 0 || got > size) {
            throw NativeError.failed("xc_domain_hvm_getcontext(domid " + domid + ", " + size + " bytes)");
        }
        return got == size ? buf : java.util.Arrays.copyOf(buf, got);
    }

    /**
     * Loads an HVM context blob. Only into a paused domain: loading registers under a running guest
     * whose memory has moved on wedges it (seen in the nested rig).
     */
    public void setHvmContext(int domid, byte[] blob) throws HypervisorException {
        if (blob.length < HvmSaveRecord.DESCRIPTOR_SIZE + HvmSaveRecord.HEADER_SIZE) {
            throw new HypervisorException(Reason.BAD_STATE, "HVM context of " + blob.length + " bytes has no header");
        }
        DomainInfo info = domainInfo(domid).orElseThrow(() ->
                new HypervisorException(Reason.INVALID_REQUEST, "xc_domain_hvm_setcontext: no domain " + domid));
        if (!info.has(XenConstants.DOMINF_PAUSED)) {
            throw new HypervisorException(Reason.WRONG_STATE, "xc_domain_hvm_setcontext needs domain " + domid + " paused");
        }
        check(xc.xc_domain_hvm_setcontext(live(), domid, blob, blob.length), "xc_domain_hvm_setcontext", domid);
    }

    @Override
    public void close() {
        if (xch != null) {
            xc.xc_interface_close(xch);
            xch = null;
        }
    }

    private Pointer live() {
        if (xch == null) {
            throw new IllegalStateException("xc_interface already closed");
        }
        return xch;
    }

    private static void check(int rc, String call, int domid) throws HypervisorException {
        if (rc < 0) {
            throw NativeError.failed(call + "(domid " + domid + ")");
        }
    }
}
