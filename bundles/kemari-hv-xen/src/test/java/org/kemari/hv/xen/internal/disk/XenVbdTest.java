package org.kemari.hv.xen.internal.disk;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.VmSpec;

public class XenVbdTest {
    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void xvdNamesMapToLinuxVirtualDeviceNumbers() throws Exception {
        assertEquals(51712, XenVbd.virtualDevice("xvda"));
        assertEquals(51728, XenVbd.virtualDevice("xvdb"));
        assertEquals(51952, XenVbd.virtualDevice("xvdp"));
    }

    @Test
    public void otherDiskIdsAreRefusedWithTheRule() {
        for (String id : List.of("disk0", "xvdq", "sda", "xvdb1")) {
            HypervisorException e = assertThrows(HypervisorException.class, () -> XenVbd.virtualDevice(id));
            assertEquals(HypervisorException.Reason.INVALID_REQUEST, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains("xvda .. xvdp; got '" + id + "'"));
        }
    }

    @Test
    public void theBackendNamesTheDeviceBlkbackOpensAndTheFrontendItsBackend() {
        Map<String, String> e = XenVbd.entries("/f", "/b", 7, 51728, "xvdb", "/dev/nbd3", "2b:60", true);
        assertEquals("/b", e.get("/f/backend"));
        assertEquals("51728", e.get("/f/virtual-device"));
        assertEquals("7", e.get("/b/frontend-id"));
        assertEquals("2b:60", e.get("/b/physical-device"));
        assertEquals("/dev/nbd3", e.get("/b/params"));
        assertEquals("phy", e.get("/b/type"));
        assertEquals("r", e.get("/b/mode"));
        assertEquals("1", e.get("/b/state"));
        assertEquals("w", XenVbd.entries("/f", "/b", 7, 51728, "xvdb", "/dev/nbd3", "2b:60", false).get("/b/mode"));
    }

    private static VmSpec.DiskSpec disk(String id, String path) {
        return new VmSpec.DiskSpec(id, path, false);
    }

    @Test
    public void disksKemariCannotServeToXenAreRefusedBeforeAnythingIsMade() throws Exception {
        Path ok = tmp.newFile("ok.img").toPath();
        Files.write(ok, new byte[4096]);
        XenDisk.check(disk("xvdb", "replicated:" + ok));

        assertRefused(disk("xvdb", ok.toString()), HypervisorException.Reason.UNSUPPORTED,
                "a Xen guest's disk must be replicated (replicated:/path/image.img), not '" + ok + "'");
        assertRefused(disk("xvdb", "nbd://h:10809/e"), HypervisorException.Reason.UNSUPPORTED, "must be replicated");
        assertRefused(disk("xvdb", "replicated:" + tmp.getRoot() + "/missing.img"), HypervisorException.Reason.INVALID_REQUEST,
                "is not an image file");
        Path odd = tmp.newFile("odd.img").toPath();
        Files.write(odd, new byte[1000]);
        assertRefused(disk("xvdb", "replicated:" + odd), HypervisorException.Reason.INVALID_REQUEST, "a positive multiple of 512");
        assertRefused(disk("hda", "replicated:" + ok), HypervisorException.Reason.INVALID_REQUEST, "xvda .. xvdp");
    }

    private static void assertRefused(VmSpec.DiskSpec d, HypervisorException.Reason reason, String text) {
        HypervisorException e = assertThrows(HypervisorException.class, () -> XenDisk.check(d));
        assertEquals(reason, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains(text));
    }
}
