package org.kemari.hv.xen.internal.disk;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.kemari.api.hv.HypervisorException;
import org.kemari.hv.xen.internal.sys.LibC;
import org.kemari.hv.xen.internal.sys.NativeLibraries;

/** What an operator gets when dom0 has no nbd device for a Xen disk (the kernel side runs in the rig). */
public class NbdDeviceTest {
    private static final LibC LIBC = NativeLibraries.libc();

    @Rule
    public final TemporaryFolder sysBlock = new TemporaryFolder();

    @Test
    public void withoutTheNbdModuleTheErrorSaysToLoadIt() {
        HypervisorException e = assertThrows(HypervisorException.class,
                () -> NbdDevice.connect(LIBC, sysBlock.getRoot().toPath(), 4096, false, new int[1]));
        assertEquals(HypervisorException.Reason.UNAVAILABLE, e.reason());
        assertEquals("dom0 has no nbd devices (/sys/block/nbd*): load the nbd module (modprobe nbd) to let Kemari serve Xen disks",
                e.getMessage());
    }

    @Test
    public void whenEveryDeviceIsConnectedTheErrorSaysHowMany() throws Exception {
        Path root = sysBlock.getRoot().toPath();
        for (String dev : new String[] {"nbd0", "nbd1"}) {
            Files.createDirectories(root.resolve(dev));
            Files.writeString(root.resolve(dev).resolve("pid"), "1234\n"); // connected (by us or nbd-client)
        }
        Files.createDirectories(root.resolve("sda"));
        HypervisorException e = assertThrows(HypervisorException.class,
                () -> NbdDevice.connect(LIBC, root, 4096, false, new int[1]));
        assertEquals(HypervisorException.Reason.UNAVAILABLE, e.reason());
        assertEquals("all 2 nbd devices of dom0 are in use (load the nbd module with a larger nbds_max)", e.getMessage());
    }
}
