package org.kemari.command.internal;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.management.VmManager;

/** {@code kemari:vm-start}: runs an unprotected VM on this node. */
@Command(scope = "kemari", name = "vm-start", description = "Starts a VM on this node (unprotected; see kemari:protect).")
@Service
public class VmStartCommand implements Action {

    @Reference
    VmManager vms;

    @Argument(index = 0, name = "name", description = "The VM's name, unique on this node", required = true)
    String name;

    @Option(name = "-b", aliases = "--backend", description = "Hypervisor backend (default kvm)")
    @Completion(BackendNameCompleter.class)
    String backend = "kvm";

    @Option(name = "-m", aliases = "--memory", description = "Guest RAM, e.g. 64M, 1G (default 64M)")
    String memory = "64M";

    @Option(name = "-c", aliases = "--vcpus", description = "Number of vCPUs (default 1)")
    int vcpus = 1;

    @Option(name = "-i", aliases = "--image", description = "Guest image: test-guest (default) or a flat binary's path")
    String image = VmSpec.TEST_GUEST;

    @Option(name = "-k", aliases = "--kernel", description = "Boot this Linux kernel (a bzImage, e.g. Debian's vmlinuz) instead of an --image (KVM backend)")
    String kernel;

    @Option(name = "--initrd", description = "The Linux guest's initramfs (with --kernel)")
    String initrd;

    @Option(name = "--cmdline", description = "The Linux guest's kernel command line (with --kernel; default: console=ttyS0 quiet panic=-1 acpi=off pci=off; the backend adds its virtio devices)")
    String cmdline;

    @Option(name = "-w", aliases = "--workload", description = "Test guest workloads: comma list of dirtier, disk, net (default dirtier)")
    String workload;

    @Option(name = "-d", aliases = "--disk", description = "A disk: an image file, nbd://host:port/export, or replicated:/path/image.img (repeat for more disks; the guest sees vda, vdb, ... under KVM, xvda, xvdb, ... under Xen)", multiValued = true)
    List<String> disks = new ArrayList<>();

    @Option(name = "-n", aliases = "--nic", description = "A NIC's host side: tap:<ifname> or none under KVM, vif or vif:script=/path under Xen (repeat for more NICs)", multiValued = true)
    List<String> nics = new ArrayList<>();

    @Option(name = "--mac", description = "MAC of the first NIC (default: derived from the VM name)")
    String mac;

    @Option(name = "--ip", description = "The test guest's IPv4 address (network responder)")
    String ip;

    @Option(name = "-o", aliases = "--option", description = "A backend option key=value, e.g. guest.pace-us=100 (repeatable)", multiValued = true)
    List<String> options = new ArrayList<>();

    PrintStream out = System.out;

    @Override
    public Object execute() throws HypervisorException {
        VmSpec spec = spec();
        Vm vm = vms.start(backend, spec);
        out.println("VM " + name + " started on " + vm.backend() + ": " + vm.state().name().toLowerCase()
                + ", " + (spec.memoryBytes() >> 20) + " MiB, " + spec.disks().size() + " disk(s), "
                + spec.nics().size() + " NIC(s)");
        return null;
    }

    VmSpec spec() {
        if (vcpus < 1) {
            throw new IllegalArgumentException("--vcpus must be at least 1, got " + vcpus);
        }
        long bytes = Sizes.parse("--memory", memory);
        if (bytes % 4096 != 0) {
            throw new IllegalArgumentException("--memory must be a multiple of 4 KiB, got " + memory);
        }
        List<VmSpec.DiskSpec> diskSpecs = new ArrayList<>();
        for (int i = 0; i < disks.size(); i++) {
            // A replicated: path names a local image too; nbd:// exports are checked by the backend.
            // Disk ids are the names the guest sees: virtio's vdX under KVM, Xen's xvdX.
            String prefix = "xen".equals(backend) ? "xvd" : "vd";
            VmSpec.DiskSpec disk = new VmSpec.DiskSpec(prefix + (char) ('a' + i), disks.get(i), false);
            if (!disk.path().startsWith("nbd://")) {
                DiskImagePaths.check(Path.of(disk.imagePath()));
            }
            diskSpecs.add(disk);
        }
        List<VmSpec.NicSpec> nicSpecs = new ArrayList<>();
        for (int i = 0; i < nics.size(); i++) {
            String nicMac = i == 0 && mac != null ? mac : Macs.derive(name, i);
            nicSpecs.add(new VmSpec.NicSpec("net" + i, nicMac, nics.get(i)));
        }
        Map<String, String> opts = new LinkedHashMap<>();
        for (String o : options) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--option: expected key=value, got '" + o + "'");
            }
            opts.put(o.substring(0, eq).trim(), o.substring(eq + 1).trim());
        }
        if (workload != null) {
            opts.put("guest.workloads", workload);
        }
        if (ip != null) {
            opts.put("guest.ipv4", ip);
        }
        return new VmSpec(name, bytes, vcpus, linuxBoot(opts), diskSpecs, nicSpecs, opts);
    }

    /** The image to start: --kernel's (with its initrd and command line as backend options) or --image. */
    private String linuxBoot(Map<String, String> opts) {
        if (kernel == null) {
            if (initrd != null || cmdline != null) {
                throw new IllegalArgumentException("--initrd and --cmdline go with --kernel");
            }
            return image;
        }
        if (!VmSpec.TEST_GUEST.equals(image) || workload != null || ip != null) {
            throw new IllegalArgumentException("--kernel boots Linux: --image, --workload and --ip are the test guest's");
        }
        DiskImagePaths.checkReadable("--kernel", Path.of(kernel));
        if (initrd != null) {
            DiskImagePaths.checkReadable("--initrd", Path.of(initrd));
            opts.put("kernel.initrd", Path.of(initrd).toAbsolutePath().toString());
        }
        if (cmdline != null) {
            opts.put("kernel.cmdline", cmdline);
        }
        return Path.of(kernel).toAbsolutePath().toString();
    }
}
