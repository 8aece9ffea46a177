package org.kemari.hv.xen.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.Test;
import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.BackendStatus.Detail;

/** The probe's reasons, on hosts simulated by a fake {@link XenProbe.Host}. */
public class XenProbeTest {

    /** A dom0 with everything, unless a test takes something away. */
    private static class FakeHost implements XenProbe.Host {
        final Set<String> missingLibs = new HashSet<>();
        boolean privcmd = true;
        int openErrno;
        int xenstoreErrno;
        int[] version = {4, 17};

        @Override
        public String link(XenProbe.Lib lib) {
            return missingLibs.contains(lib.name()) ? null : lib.names()[lib.names().length - 1];
        }

        @Override
        public boolean exists(String path) {
            return privcmd && path.equals(XenProbe.PRIVCMD);
        }

        @Override
        public int[] hypervisorVersion() throws XenProbe.CallFailed {
            if (openErrno != 0) {
                throw new XenProbe.CallFailed("xc_interface_open", openErrno);
            }
            return version;
        }

        @Override
        public void xenstore() throws XenProbe.CallFailed {
            if (xenstoreErrno != 0) {
                throw new XenProbe.CallFailed("xs_open", xenstoreErrno);
            }
        }
    }

    private static String checks(BackendStatus s) {
        return s.details().stream().map(d -> d.check() + "=" + d.ok()).collect(Collectors.joining(","));
    }

    @Test
    public void aDom0WithEverythingIsUsable() {
        BackendStatus s = XenProbe.probe(new FakeHost());
        assertTrue(s.reason(), s.usable());
        assertEquals("Xen 4.17 dom0: libraries, privcmd and xenstore ok", s.reason());
        assertEquals("load libxenctrl=true,load libxenguest=true,load libxenforeignmemory=true,load libxenstore=true,"
                + "load libxenevtchn=true,/dev/xen/privcmd=true,xc_interface_open=true,hypervisor version=true,xs_open=true",
                checks(s));
        assertTrue(s.details().stream().allMatch(Detail::ok));
    }

    @Test
    public void withoutXenToolsTheReasonSaysLibxenctrlIsNotInstalled() {
        FakeHost h = new FakeHost();
        h.missingLibs.addAll(Set.of("libxenctrl", "libxenguest", "libxenforeignmemory", "libxenstore", "libxenevtchn"));
        h.privcmd = false;
        BackendStatus s = XenProbe.probe(h);
        assertFalse(s.usable());
        assertTrue(s.reason(), s.reason().startsWith("libxenctrl is not installed"));
        assertTrue(s.details().get(0).value(), s.details().get(0).value().contains("libxenctrl.so.4.17"));
        assertEquals("every library and privcmd are reported", 6, s.details().size());
    }

    @Test
    public void librariesWithoutPrivcmdMeanNotADom0() {
        FakeHost h = new FakeHost();
        h.privcmd = false;
        h.openErrno = 2; // ENOENT: what xc_interface_open says without /dev/xen/privcmd
        BackendStatus s = XenProbe.probe(h);
        assertFalse(s.usable());
        assertTrue(s.reason(), s.reason().startsWith("not running in a Xen dom0: xc_interface_open failed ("));
        assertTrue(s.reason(), s.reason().contains("(errno 2)") && s.reason().endsWith("no /dev/xen/privcmd)"));
        assertTrue(checks(s), checks(s).endsWith("/dev/xen/privcmd=false,xc_interface_open=false"));
    }

    @Test
    public void permissionDeniedIsNotMistakenForNoDom0() {
        FakeHost h = new FakeHost();
        h.openErrno = 13; // EACCES: a dom0, but not root
        BackendStatus s = XenProbe.probe(h);
        assertFalse(s.usable());
        assertTrue(s.reason(), s.reason().startsWith("cannot open the Xen control interface: "));
        assertTrue(s.reason(), s.reason().contains("errno 13"));
    }

    @Test
    public void aMissingSecondaryLibraryIsNamedWithItsPackage() {
        FakeHost h = new FakeHost();
        h.missingLibs.add("libxenevtchn");
        h.missingLibs.add("libxenguest");
        BackendStatus s = XenProbe.probe(h);
        assertFalse(s.usable());
        assertEquals("Xen libraries missing: libxenguest, libxenevtchn (Debian: libxenmisc4.17, libxenevtchn1)", s.reason());
    }

    @Test
    public void anotherHypervisorReleaseIsRefused() {
        FakeHost h = new FakeHost();
        h.version = new int[] {4, 19};
        BackendStatus s = XenProbe.probe(h);
        assertFalse(s.usable());
        assertEquals("Xen 4.19 found, but the bindings are for Xen 4.17", s.reason());
    }

    @Test
    public void noXenstoredIsUnusable() {
        FakeHost h = new FakeHost();
        h.xenstoreErrno = 2;
        BackendStatus s = XenProbe.probe(h);
        assertFalse(s.usable());
        assertTrue(s.reason(), s.reason().startsWith("xenstored is not reachable (needed to suspend guests): xs_open failed: "));
    }
}
