package org.kemari.hv.xen.internal.sys;

import com.sun.jna.Library;
import com.sun.jna.Pointer;

/** Raw binding of libxenevtchn: event channels seen from dom0. Wrapper: {@link EvtchnHandle}. */
public interface XenEvtchn extends Library {

    String[] NAMES = {"xenevtchn", "libxenevtchn.so.1"};

    /** {@code xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags)}. */
    Pointer xenevtchn_open(Pointer logger, int flags);

    /** {@code int xenevtchn_close(xenevtchn_handle *xce)}. */
    int xenevtchn_close(Pointer xce);

    /** {@code int xenevtchn_fd(xenevtchn_handle *xce)}. */
    int xenevtchn_fd(Pointer xce);

    /** {@code xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid, evtchn_port_t remote_port)}. */
    int xenevtchn_bind_interdomain(Pointer xce, int domid, int remotePort);

    /** {@code int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)}. */
    int xenevtchn_notify(Pointer xce, int port);

    /** {@code xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)}. */
    int xenevtchn_pending(Pointer xce);

    /** {@code int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)}. */
    int xenevtchn_unmask(Pointer xce, int port);

    /** {@code int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)}. */
    int xenevtchn_unbind(Pointer xce, int port);
}
