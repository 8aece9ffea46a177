package org.kemari.hv.xen.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.VmSpec;

public class XenVifTest {
    private static VmSpec.NicSpec nic(String backend) {
        return new VmSpec.NicSpec("net0", "00:16:3e:00:00:01", backend);
    }

    @Test
    public void aVifNamesItsHotplugScriptOrNone() throws Exception {
        assertNull(XenVif.script(nic("vif")));
        assertEquals("/etc/xen/scripts/vif-bridge", XenVif.script(nic("vif:script=/etc/xen/scripts/vif-bridge")));
    }

    @Test
    public void otherBackendsAreRefusedWithTheSyntax() {
        for (String bad : new String[] {"tap:kt0", "vif:script=relative/path", "vif:bridge=xenbr0"}) {
            HypervisorException e = assertThrows(HypervisorException.class, () -> XenVif.script(nic(bad)));
            assertEquals(HypervisorException.Reason.INVALID_REQUEST, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains("'vif' or 'vif:script=/abs/path', not '" + bad + "'"));
        }
    }

    @Test
    public void theSpecsMacMustBeTheDomains() throws Exception {
        XenVif.checkMac(nic("vif"), "vif3.0", java.util.Optional.of("00:16:3E:00:00:01"));
        XenVif.checkMac(nic("vif"), "vif3.0", java.util.Optional.empty()); // xenstore has none: nothing to compare
        HypervisorException e = assertThrows(HypervisorException.class,
                () -> XenVif.checkMac(nic("vif"), "vif3.0", java.util.Optional.of("00:16:3e:4b:4d:01")));
        assertEquals(HypervisorException.Reason.INVALID_REQUEST, e.reason());
        assertEquals("NIC net0 has MAC 00:16:3e:00:00:01 in the spec, but the domain's vif3.0 has 00:16:3e:4b:4d:01:"
                + " give the domain's MAC (kemari:vm-start --mac)", e.getMessage());
    }

    @Test
    public void netbackNamesTheVifByDomainAndDevice() {
        assertEquals("vif7.0", XenVif.interfaceName(7, 0));
        assertEquals("vif12.3", XenVif.interfaceName(12, 3));
    }
}
