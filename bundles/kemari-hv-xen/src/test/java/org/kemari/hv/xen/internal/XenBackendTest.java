package org.kemari.hv.xen.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeFalse;
import static org.junit.Assume.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.Test;
import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.VmSpec;

public class XenBackendTest {

    private static boolean inDom0() {
        return Files.exists(Path.of("/dev/xen/privcmd"));
    }

    @Test
    public void outsideDom0TheProbeSaysUnusableWithAReason() {
        assumeFalse("this host is a Xen dom0", inDom0());
        BackendStatus status = new XenBackend().probe();
        assertEquals("xen", status.backend());
        assertFalse(status.usable());
        assertTrue(status.reason(), status.reason().contains("libxenctrl is not installed")
                || status.reason().contains("not running in a Xen dom0"));
        assertFalse("the probe records what it tried", status.details().isEmpty());
        assertFalse(status.details().get(0).check().isEmpty());
    }

    @Test
    public void outsideDom0WithTheLibrariesEachLibraryAndPrivcmdAreReported() {
        assumeFalse("this host is a Xen dom0", inDom0());
        assumeTrue("libxenctrl is not installed here", Files.exists(Path.of("/usr/include/xenctrl.h")));
        BackendStatus status = new XenBackend().probe();
        assertFalse(status.usable());
        assertTrue(status.reason(), status.reason().startsWith("not running in a Xen dom0: xc_interface_open failed"));
        for (String lib : List.of("libxenctrl", "libxenguest", "libxenforeignmemory", "libxenstore", "libxenevtchn")) {
            assertTrue(lib, status.details().stream().anyMatch(d -> d.check().equals("load " + lib) && d.ok()));
        }
        assertTrue(status.details().stream().anyMatch(d -> d.check().equals("/dev/xen/privcmd") && !d.ok()));
    }

    @Test
    public void creatingAVmIsRefusedWithTheProbeReason() {
        assumeFalse("this host is a Xen dom0", inDom0());
        VmSpec spec = new VmSpec("vm1", 1 << 20, 1, VmSpec.TEST_GUEST, List.of(), List.of(), Map.of());
        try {
            new XenBackend().create(spec);
            org.junit.Assert.fail("create must refuse");
        } catch (HypervisorException e) {
            assertEquals(HypervisorException.Reason.UNAVAILABLE, e.reason());
            assertTrue(e.getMessage(), e.getMessage().startsWith("Xen is not usable here: "));
        }
    }
}
