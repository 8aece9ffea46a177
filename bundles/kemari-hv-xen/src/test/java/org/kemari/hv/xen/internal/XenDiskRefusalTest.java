package org.kemari.hv.xen.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.Test;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.VmSpec;

public class XenDiskRefusalTest {
    private static VmSpec spec(Map<String, String> options) {
        return new VmSpec("db", 128L << 20, 1, "xl:db", List.of(), List.of(), options);
    }

    @Test
    public void aDomainWithDisksIsRefusedWithTheReasonAndTheWayOut() {
        HypervisorException e = assertThrows(HypervisorException.class,
                () -> XenVm.refuseUnheldDisks(spec(Map.of("xen.domain", "db")), List.of("51712", "51728")));
        assertEquals(HypervisorException.Reason.UNSUPPORTED, e.reason());
        assertTrue(e.getMessage(), e.getMessage().startsWith("domain db has 2 disk(s) from xl (vbd 51712, 51728) whose writes Kemari cannot hold"));
        assertTrue(e.getMessage(), e.getMessage().endsWith("set xen.allow-unheld-disks=true to protect it anyway"));
        assertTrue(e.getMessage(), e.getMessage().contains("give the guest its disks in the spec"));
    }

    @Test
    public void disklessDomainsAndExplicitConsentPass() throws Exception {
        XenVm.refuseUnheldDisks(spec(Map.of("xen.domain", "db")), List.of());
        XenVm.refuseUnheldDisks(spec(Map.of("xen.domain", "db", "xen.allow-unheld-disks", "true")), List.of("51712"));
    }
}
