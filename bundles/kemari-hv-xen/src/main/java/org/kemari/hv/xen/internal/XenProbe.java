package org.kemari.hv.xen.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.BackendStatus.Detail;
import org.kemari.hv.xen.internal.sys.NativeError;
import org.kemari.hv.xen.internal.sys.NativeLibraries;
import org.kemari.hv.xen.internal.sys.XenCtrl;
import org.kemari.hv.xen.internal.sys.XenEvtchn;
import org.kemari.hv.xen.internal.sys.XenForeignMemory;
import org.kemari.hv.xen.internal.sys.XenGuest;
import org.kemari.hv.xen.internal.sys.XenStore;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Finds out for real whether Xen can be driven from here: loads each library the backend needs,
 * looks for the privcmd device, opens a control interface (which needs a dom0), asks the
 * hypervisor's version and connects to xenstored. Every step is a {@link Detail}; the reason names
 * the most fundamental failure.
 */
final class XenProbe {
    static final String PRIVCMD = "/dev/xen/privcmd";
    /** The release the bindings mirror (struct layouts, sonames). */
    static final int[] SUPPORTED = {4, 17};

    /** A library the backend needs, with the Debian package that ships it. */
    record Lib(String name, Class<? extends Library> type, String[] names, String debianPackage) {
    }

    static final List<Lib> LIBRARIES = List.of(
            new Lib("libxenctrl", XenCtrl.class, XenCtrl.NAMES, "libxenmisc4.17"),
            new Lib("libxenguest", XenGuest.class, XenGuest.NAMES, "libxenmisc4.17"),
            new Lib("libxenforeignmemory", XenForeignMemory.class, XenForeignMemory.NAMES, "libxenforeignmemory1"),
            new Lib("libxenstore", XenStore.class, XenStore.NAMES, "libxenstore4"),
            new Lib("libxenevtchn", XenEvtchn.class, XenEvtchn.NAMES, "libxenevtchn1"));

    /** A native call that failed, with its errno (the probe's reason depends on which errno). */
    static final class CallFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;

        CallFailed(String call, int errno) {
            super(call + " failed: " + NativeError.describe(errno));
            this.errno = errno;
        }
    }

    /** What the probe asks of the host; tests substitute it. */
    interface Host {
        /** The name {@code lib} linked under, or null. */
        String link(Lib lib);

        boolean exists(String path);

        /** Opens a control interface, returns {major, minor}, closes it. */
        int[] hypervisorVersion() throws CallFailed;

        /** Opens and closes a connection to xenstored. */
        void xenstore() throws CallFailed;
    }

    private XenProbe() {
    }

    static BackendStatus probe() {
        return probe(new RealHost());
    }

    static BackendStatus probe(Host host) {
        List<Detail> details = new ArrayList<>();
        List<Lib> missing = new ArrayList<>();
        for (Lib lib : LIBRARIES) {
            String name = host.link(lib);
            details.add(new Detail("load " + lib.name(), name != null,
                    name != null ? name : "not found (tried " + String.join(", ", lib.names()) + ")"));
            if (name == null) {
                missing.add(lib);
            }
        }
        boolean privcmd = host.exists(PRIVCMD);
        details.add(new Detail(PRIVCMD, privcmd, privcmd ? "present" : "absent"));
        if (!missing.isEmpty() && missing.get(0).type() == XenCtrl.class) {
            return unusable("libxenctrl is not installed (install Xen's tools, e.g. Debian's libxenmisc4.17, in a dom0)",
                    details);
        }
        int[] version;
        try {
            version = host.hypervisorVersion();
            details.add(new Detail("xc_interface_open", true, "ok"));
        } catch (CallFailed e) {
            details.add(new Detail("xc_interface_open", false, NativeError.describe(e.errno)));
            String why = NativeError.describe(e.errno);
            return unusable(e.errno == NativeError.ENOENT
                    ? "not running in a Xen dom0: xc_interface_open failed (" + why + "; no " + PRIVCMD + ")"
                    : "cannot open the Xen control interface: " + why, details);
        }
        String v = version[0] + "." + version[1];
        boolean supported = version[0] == SUPPORTED[0] && version[1] == SUPPORTED[1];
        details.add(new Detail("hypervisor version", supported, supported ? v : v + " (bindings are for Xen 4.17)"));
        if (!missing.isEmpty()) {
            return unusable("Xen libraries missing: " + String.join(", ", missing.stream().map(Lib::name).toList())
                    + " (Debian: " + String.join(", ", missing.stream().map(Lib::debianPackage).distinct().toList()) + ")",
                    details);
        }
        if (!supported) {
            return unusable("Xen " + v + " found, but the bindings are for Xen 4.17", details);
        }
        try {
            host.xenstore();
            details.add(new Detail("xs_open", true, "xenstored reachable"));
        } catch (CallFailed e) {
            details.add(new Detail("xs_open", false, NativeError.describe(e.errno)));
            return unusable("xenstored is not reachable (needed to suspend guests): " + e.getMessage(), details);
        }
        return new BackendStatus(XenBackend.NAME, true, "Xen " + v + " dom0: libraries, privcmd and xenstore ok", details);
    }

    private static BackendStatus unusable(String reason, List<Detail> details) {
        return new BackendStatus(XenBackend.NAME, false, reason, details);
    }

    /** The real host, through JNA. Calls the raw bindings directly so that errno is the call's own. */
    static final class RealHost implements Host {
        @Override
        public String link(Lib lib) {
            return NativeLibraries.findName(lib.type(), lib.names());
        }

        @Override
        public boolean exists(String path) {
            return Files.exists(Path.of(path));
        }

        @Override
        public int[] hypervisorVersion() throws CallFailed {
            XenCtrl xc = Native.load(link(LIBRARIES.get(0)), XenCtrl.class);
            Pointer xch = xc.xc_interface_open(null, null, 0);
            if (xch == null) {
                throw new CallFailed("xc_interface_open", Native.getLastError());
            }
            try {
                int v = xc.xc_version(xch, XenCtrl.XENVER_VERSION, null);
                if (v < 0) {
                    throw new CallFailed("xc_version", Native.getLastError());
                }
                return new int[] {v >>> 16, v & 0xffff};
            } finally {
                xc.xc_interface_close(xch);
            }
        }

        @Override
        public void xenstore() throws CallFailed {
            XenStore xs = Native.load(link(LIBRARIES.get(3)), XenStore.class);
            Pointer h = xs.xs_open(0);
            if (h == null) {
                throw new CallFailed("xs_open", Native.getLastError());
            }
            xs.xs_close(h);
        }
    }
}
