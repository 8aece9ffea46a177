package org.kemari.hv.xen.internal.sys;

import com.sun.jna.Library;
import com.sun.jna.Pointer;

/**
 * Raw binding of libxenctrl (Xen 4.17), one-to-one with the C API. Only what is used is declared.
 * Loaded lazily: on a host without Xen the library is usually absent.
 */
public interface XenCtrl extends Library {

    /** {@code xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger, unsigned open_flags)}. */
    Pointer xc_interface_open(Pointer logger, Pointer dombuildLogger, int openFlags);

    /** {@code int xc_interface_close(xc_interface *xch)}. */
    int xc_interface_close(Pointer xch);

    /** {@code int xc_version(xc_interface *xch, int cmd, void *arg)}; cmd 0 (XENVER_version) returns major << 16 | minor. */
    int xc_version(Pointer xch, int cmd, Pointer arg);

    /** XENVER_version. */
    int XENVER_VERSION = 0;
}
