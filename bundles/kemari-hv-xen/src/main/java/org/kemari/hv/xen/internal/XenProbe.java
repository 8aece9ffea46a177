package org.kemari.hv.xen.internal;

import java.util.ArrayList;
import java.util.List;

import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.BackendStatus.Detail;
import org.kemari.hv.xen.internal.sys.XenCtrl;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Finds out for real whether Xen can be driven from here: loads libxenctrl through JNA, opens a
 * control interface (which needs /dev/xen/privcmd, i.e. a dom0) and asks the hypervisor's
 * version.
 */
final class XenProbe {

    /** Library names tried in order: the development link, then Debian 12's runtime soname. */
    private static final String[] LIBRARY_NAMES = {"xenctrl", "libxenctrl.so.4.17"};

    private XenProbe() {
    }

    static BackendStatus probe() {
        List<Detail> details = new ArrayList<>();
        XenCtrl xc = load(details);
        if (xc == null) {
            return new BackendStatus(XenBackend.NAME, false,
                    "libxenctrl is not installed (install Xen's tools, e.g. Debian's libxenmisc4.17, in a dom0)", details);
        }
        Pointer xch = xc.xc_interface_open(null, null, 0);
        if (xch == null) {
            int errno = Native.getLastError();
            String why = Errno.describe(errno);
            details.add(new Detail("xc_interface_open", false, why));
            String reason = errno == Errno.ENOENT
                    ? "not running in a Xen dom0: xc_interface_open failed (" + why + "; no /dev/xen/privcmd)"
                    : "cannot open the Xen control interface: " + why;
            return new BackendStatus(XenBackend.NAME, false, reason, details);
        }
        try {
            details.add(new Detail("xc_interface_open", true, "ok"));
            int v = xc.xc_version(xch, XenCtrl.XENVER_VERSION, null);
            String version = (v >> 16) + "." + (v & 0xffff);
            details.add(new Detail("hypervisor version", v >= 0, version));
            return new BackendStatus(XenBackend.NAME, false,
                    "Xen " + version + " found, but protecting Xen guests is not implemented in this release",
                    details);
        } finally {
            xc.xc_interface_close(xch);
        }
    }

    private static XenCtrl load(List<Detail> details) {
        for (String name : LIBRARY_NAMES) {
            try {
                XenCtrl xc = Native.load(name, XenCtrl.class);
                details.add(new Detail("load libxenctrl", true, name));
                return xc;
            } catch (UnsatisfiedLinkError e) {
                // Try the next name; JNA's multi-line message adds nothing for an operator.
            }
        }
        details.add(new Detail("load libxenctrl", false, "not found (tried " + String.join(", ", LIBRARY_NAMES) + ")"));
        return null;
    }
}
