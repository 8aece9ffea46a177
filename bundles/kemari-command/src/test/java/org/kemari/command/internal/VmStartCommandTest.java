package org.kemari.command.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.util.List;

import org.junit.Test;
import org.kemari.api.hv.VmSpec;

public class VmStartCommandTest {

    private static VmStartCommand command(String name) {
        VmStartCommand c = new VmStartCommand();
        c.name = name;
        return c;
    }

    private static String error(VmStartCommand c) {
        try {
            c.spec();
            throw new AssertionError("expected an error");
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    @Test
    public void aDiskIsAnImageFileOrABlockDeviceNothingElse() throws Exception {
        VmStartCommand c = command("vm1");
        c.disks = List.of(System.getProperty("java.io.tmpdir"));
        assertEquals("--disk: " + System.getProperty("java.io.tmpdir") + " is a directory, not a disk image or a block device",
                error(c));
        c = command("vm1");
        c.disks = List.of("/dev/null");
        assertEquals("--disk: /dev/null is a special file, not a disk image or a block device", error(c));
        // A real block device, as shared storage reaches a host (a LUN): a loop device over a file.
        File backing = File.createTempFile("kemari-lun", ".img");
        String loop = null;
        try {
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(backing, "rw")) {
                f.setLength(1 << 20);
            }
            loop = run("losetup", "--find", "--show", backing.getPath());
            c = command("vm1");
            c.disks = List.of(loop);
            assertEquals(loop, c.spec().disks().get(0).path());
        } finally {
            if (loop != null) {
                run("losetup", "--detach", loop);
            }
            backing.delete();
        }
    }

    /** Runs a command (losetup: this test needs root, as the project's tests do); its output, trimmed. */
    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    @Test
    public void kernelInitrdAndCommandLineBootLinux() throws Exception {
        File kernel = File.createTempFile("kemari-vmlinuz", "");
        File initrd = File.createTempFile("kemari-initrd", ".gz");
        try {
            VmStartCommand c = command("web");
            c.kernel = kernel.getPath();
            c.initrd = initrd.getPath();
            c.cmdline = "console=ttyS0 kemari.ip=10.0.0.2/24";
            c.memory = "256M";
            VmSpec spec = c.spec();
            assertEquals(kernel.getAbsolutePath(), spec.image());
            assertEquals(initrd.getAbsolutePath(), spec.options().get("kernel.initrd"));
            assertEquals("console=ttyS0 kemari.ip=10.0.0.2/24", spec.options().get("kernel.cmdline"));

            c = command("web");
            c.kernel = kernel.getPath();
            assertEquals("without --cmdline the backend's default applies", null, c.spec().options().get("kernel.cmdline"));
            c.workload = "disk";
            assertEquals("--kernel boots Linux: --image, --workload and --ip are the test guest's", error(c));
            c = command("web");
            c.kernel = "/no/such/vmlinuz";
            assertEquals("--kernel: no such file: /no/such/vmlinuz", error(c));
            c = command("web");
            c.kernel = kernel.getPath();
            c.initrd = System.getProperty("java.io.tmpdir");
            assertEquals("--initrd: " + System.getProperty("java.io.tmpdir") + " is not a regular file", error(c));
            c = command("web");
            c.cmdline = "quiet";
            assertEquals("--initrd and --cmdline go with --kernel", error(c));
        } finally {
            kernel.delete();
            initrd.delete();
        }
    }

    @Test
    public void defaultsGiveTheTestGuestWith64MiB() {
        VmSpec spec = command("vm1").spec();
        assertEquals(64L << 20, spec.memoryBytes());
        assertEquals(VmSpec.TEST_GUEST, spec.image());
        assertEquals(1, spec.vcpus());
        assertTrue(spec.disks().isEmpty());
    }

    @Test
    public void optionsBecomeTheSpec() throws Exception {
        File disk = File.createTempFile("kemari-disk", ".img");
        disk.deleteOnExit();
        VmStartCommand c = command("web");
        c.memory = "1G";
        c.workload = "disk,net";
        c.disks = List.of(disk.getPath());
        c.nics = List.of("tap:kt0");
        c.ip = "10.0.0.2";
        c.options = List.of("guest.pace-us=100");
        VmSpec spec = c.spec();
        assertEquals(1L << 30, spec.memoryBytes());
        assertEquals("vda", spec.disks().get(0).id());
        assertEquals("tap:kt0", spec.nics().get(0).backend());
        assertTrue(spec.nics().get(0).mac().startsWith("52:54:"));
        assertEquals("disk,net", spec.options().get("guest.workloads"));
        assertEquals("10.0.0.2", spec.options().get("guest.ipv4"));
        assertEquals("100", spec.options().get("guest.pace-us"));
        assertEquals("the MAC is stable for a name", spec.nics().get(0).mac(), c.spec().nics().get(0).mac());
    }

    @Test
    public void xenDisksAreNamedAsTheGuestSeesThem() throws Exception {
        File disk = File.createTempFile("kemari-disk", ".img");
        disk.deleteOnExit();
        VmStartCommand c = command("db");
        c.backend = "xen";
        c.disks = List.of("replicated:" + disk.getPath(), disk.getPath());
        c.nics = List.of("vif:script=/etc/xen/scripts/vif-bridge");
        c.mac = "00:16:3e:4b:4d:01";
        c.options = List.of("xen.domain=db");
        VmSpec spec = c.spec();
        assertEquals(List.of("xvda", "xvdb"), spec.disks().stream().map(VmSpec.DiskSpec::id).toList());
        assertTrue(spec.disks().get(0).replicated());
        assertEquals("vif:script=/etc/xen/scripts/vif-bridge", spec.nics().get(0).backend());
        assertEquals("00:16:3e:4b:4d:01", spec.nics().get(0).mac());
        assertEquals("db", spec.options().get("xen.domain"));
    }

    @Test
    public void badInputGivesOneClearLine() {
        VmStartCommand c = command("vm1");
        c.memory = "lots";
        assertEquals("--memory: 'lots' is not a size (examples: 64M, 1G, 4096)", error(c));
        c = command("vm1");
        c.memory = "1000";
        assertEquals("--memory must be a multiple of 4 KiB, got 1000", error(c));
        c = command("vm1");
        c.disks = List.of("/nonexistent/disk.img");
        assertEquals("--disk: no such file: /nonexistent/disk.img", error(c));
        c = command("vm1");
        c.options = List.of("novalue");
        assertEquals("--option: expected key=value, got 'novalue'", error(c));
        c = command("vm1");
        c.vcpus = 0;
        assertEquals("--vcpus must be at least 1, got 0", error(c));
        c = command("vm1");
        c.nics = List.of("tap:x");
        c.mac = "zz";
        assertTrue(error(c).startsWith("MAC address must look like aa:bb:cc:dd:ee:ff"));
    }
}
