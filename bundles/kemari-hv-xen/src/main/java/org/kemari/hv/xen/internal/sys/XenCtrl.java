package org.kemari.hv.xen.internal.sys;

import com.sun.jna.Library;
import com.sun.jna.Pointer;

/**
 * Raw binding of libxenctrl (Xen 4.17), one-to-one with the C API; only what the backend uses is
 * declared. No checks here: {@link XcHandle} checks sizes and turns errno into exceptions.
 * {@code uint32_t domid} is a Java int; {@code unsigned long}/{@code size_t}/{@code xen_pfn_t}
 * are Java longs (Xen's tools run on LP64 hosts only).
 */
public interface XenCtrl extends Library {

    /** Library names tried in order: the development link, then Debian 12's runtime soname. */
    String[] NAMES = {"xenctrl", "libxenctrl.so.4.17"};

    /** XENVER_version: {@link #xc_version} returns major << 16 | minor. */
    int XENVER_VERSION = 0;

    /** {@code xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger, unsigned open_flags)}. */
    Pointer xc_interface_open(Pointer logger, Pointer dombuildLogger, int openFlags);

    /** {@code int xc_interface_close(xc_interface *xch)}. */
    int xc_interface_close(Pointer xch);

    /** {@code int xc_version(xc_interface *xch, int cmd, void *arg)}. */
    int xc_version(Pointer xch, int cmd, Pointer arg);

    /** {@code int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain, unsigned int max_domains, xc_domaininfo_t *info)}. */
    int xc_domain_getinfolist(Pointer xch, int firstDomain, int maxDomains, DomainInfo info);

    /** {@code int xc_domain_pause(xc_interface *xch, uint32_t domid)}. */
    int xc_domain_pause(Pointer xch, int domid);

    /** {@code int xc_domain_unpause(xc_interface *xch, uint32_t domid)}. */
    int xc_domain_unpause(Pointer xch, int domid);

    /** {@code int xc_domain_destroy(xc_interface *xch, uint32_t domid)}. */
    int xc_domain_destroy(Pointer xch, int domid);

    /** {@code int xc_domain_create(xc_interface *xch, uint32_t *pdomid, struct xen_domctl_createdomain *config)}. */
    int xc_domain_create(Pointer xch, int[] pdomid, CreateDomain config);

    /** {@code int xc_domain_max_vcpus(xc_interface *xch, uint32_t domid, unsigned int max)}. */
    int xc_domain_max_vcpus(Pointer xch, int domid, int max);

    /** {@code int xc_domain_setmaxmem(xc_interface *xch, uint32_t domid, uint64_t max_memkb)}. */
    int xc_domain_setmaxmem(Pointer xch, int domid, long maxMemKb);

    /** {@code xc_evtchn_port_or_error_t xc_evtchn_alloc_unbound(xc_interface *xch, uint32_t dom, uint32_t remote_dom)}. */
    int xc_evtchn_alloc_unbound(Pointer xch, int dom, int remoteDom);

    /** {@code int xc_domain_nr_gpfns(xc_interface *xch, uint32_t domid, xen_pfn_t *gpfns)}. */
    int xc_domain_nr_gpfns(Pointer xch, int domid, long[] gpfns);

    /** {@code int xc_domain_maximum_gpfn(xc_interface *xch, uint32_t domid, xen_pfn_t *gpfns)}. */
    int xc_domain_maximum_gpfn(Pointer xch, int domid, long[] gpfns);

    /** {@code int xc_shadow_control(xc_interface *xch, uint32_t domid, unsigned int sop, unsigned int *mb, unsigned int mode)}. */
    int xc_shadow_control(Pointer xch, int domid, int sop, Pointer mb, int mode);

    /**
     * {@code long long xc_logdirty_control(xc_interface *xch, uint32_t domid, unsigned int sop,
     * xc_hypercall_buffer_t *dirty_bitmap, unsigned long pages, unsigned int mode, xc_shadow_op_stats_t *stats)}.
     */
    long xc_logdirty_control(Pointer xch, int domid, int sop, HypercallBuffer dirtyBitmap, long pages, int mode,
                             ShadowOpStats stats);

    /** {@code void *xc__hypercall_buffer_alloc_pages(xc_interface *xch, xc_hypercall_buffer_t *b, int nr_pages)}. */
    Pointer xc__hypercall_buffer_alloc_pages(Pointer xch, HypercallBuffer b, int nrPages);

    /** {@code void xc__hypercall_buffer_free_pages(xc_interface *xch, xc_hypercall_buffer_t *b, int nr_pages)}. */
    void xc__hypercall_buffer_free_pages(Pointer xch, HypercallBuffer b, int nrPages);

    /** {@code int xc_domain_hvm_getcontext(xc_interface *xch, uint32_t domid, uint8_t *ctxt_buf, uint32_t size)}; NULL buffer returns the size. */
    int xc_domain_hvm_getcontext(Pointer xch, int domid, byte[] ctxtBuf, int size);

    /** {@code int xc_domain_hvm_setcontext(xc_interface *xch, uint32_t domid, uint8_t *hvm_ctxt, uint32_t size)}. */
    int xc_domain_hvm_setcontext(Pointer xch, int domid, byte[] hvmCtxt, int size);
}
