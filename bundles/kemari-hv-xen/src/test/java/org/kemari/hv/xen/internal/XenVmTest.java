package org.kemari.hv.xen.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.Map;

import org.junit.Test;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.VmSpec;

/** XenVm's refusals that need no Xen (the adoption itself is exercised by scripts/xen-rig). */
public class XenVmTest {

    private static VmSpec spec(long memory, Map<String, String> options) {
        return new VmSpec("vm1", memory, 1, "xen", List.of(), List.of(), options);
    }

    @Test
    public void withoutADomainNameAdoptionIsRefusedAsUnsupported() {
        try {
            XenVm.adopt(spec(128 << 20, Map.of()));
            fail("adopt must refuse");
        } catch (HypervisorException e) {
            assertEquals(HypervisorException.Reason.UNSUPPORTED, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains("option xen.domain"));
        }
    }

    @Test
    public void ramAboveTheLowMemoryHoleIsRefused() {
        try {
            XenVm.adopt(spec(4L << 30, Map.of(XenVm.DOMAIN_OPTION, "g")));
            fail("adopt must refuse");
        } catch (HypervisorException e) {
            assertEquals(HypervisorException.Reason.UNSUPPORTED, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains("above 3840 MiB"));
        }
    }
}
