package org.kemari.hv.xen.internal.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.io.OutputGate;
import org.kemari.hv.xen.internal.sys.LibC;
import org.kemari.hv.xen.internal.sys.XsHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A disk of a Xen guest that Kemari serves, so that its writes can be held: the image file is
 * served ({@link DiskExport}) to one of dom0's nbd devices ({@link NbdDevice}), which is the guest's
 * vbd ({@link XenVbd}, blkback). Only replicated disks ({@code replicated:/path.img}) are supported:
 * each write is listed for the standby's copy and done here at once (see {@link DiskExport} for why
 * a Xen guest's writes cannot be held, which a shared disk would need).
 */
public final class XenDisk implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(XenDisk.class);

    private final String id;
    private final int domid;
    private final XsHandle xs;
    private final FileChannel image;
    private final NbdDevice device;
    private final DiskExport export;

    private XenDisk(String id, int domid, XsHandle xs, FileChannel image, NbdDevice device, DiskExport export) {
        this.id = id;
        this.domid = domid;
        this.xs = xs;
        this.image = image;
        this.device = device;
        this.export = export;
    }

    /** Refuses, with the reason, a disk Kemari cannot serve to a Xen guest; before anything is made. */
    public static void check(VmSpec.DiskSpec disk) throws HypervisorException {
        XenVbd.virtualDevice(disk.id());
        if (!disk.replicated()) {
            throw new HypervisorException(Reason.UNSUPPORTED, "disk " + disk.id() + ": a Xen guest's disk must be replicated "
                    + "(replicated:/path/image.img), not '" + disk.path() + "': a shared disk's writes would have to wait for "
                    + "their epoch's commit, and a Xen guest cannot be checkpointed while a task waits for a write");
        }
        Path p = Path.of(disk.imagePath());
        if (!Files.isRegularFile(p)) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "disk " + disk.id() + ": " + p + " is not an image file");
        }
        try {
            long size = Files.size(p);
            if (size == 0 || size % 512 != 0) {
                throw new HypervisorException(Reason.INVALID_REQUEST, "disk " + disk.id() + ": " + p + " has " + size
                        + " bytes; an image must be a positive multiple of 512 bytes");
            }
        } catch (IOException e) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "disk " + disk.id() + ": cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** Serves and attaches every disk of {@code spec} to the (paused or running) domain; all or none. */
    public static List<XenDisk> attachAll(LibC libc, XsHandle xs, int domid, VmSpec spec) throws HypervisorException {
        List<XenDisk> disks = new ArrayList<>();
        try {
            for (VmSpec.DiskSpec d : spec.disks()) {
                disks.add(attach(libc, xs, domid, spec.name(), d));
            }
            return disks;
        } catch (HypervisorException | RuntimeException e) {
            disks.forEach(XenDisk::close);
            throw e;
        }
    }

    private static XenDisk attach(LibC libc, XsHandle xs, int domid, String vmName, VmSpec.DiskSpec disk) throws HypervisorException {
        check(disk);
        FileChannel image;
        long size;
        try {
            Path p = Path.of(disk.imagePath());
            image = disk.readOnly() ? FileChannel.open(p, StandardOpenOption.READ)
                    : FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
            size = image.size();
        } catch (IOException e) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "disk " + disk.id() + ": cannot open " + disk.imagePath() + ": " + e.getMessage(), e);
        }
        NbdDevice device = null;
        DiskExport export = null;
        try {
            int[] ours = new int[1];
            device = NbdDevice.connect(libc, size, disk.readOnly(), ours);
            export = new DiskExport(vmName, disk.id(), image, size, disk.readOnly(), new FdStream(libc, ours[0]));
            export.start();
            device.awaitReady();
            XenVbd.attach(xs, domid, disk.id(), "/dev/" + device.name(), device.physicalDevice(), disk.readOnly());
            LOG.info("VM {}: disk {} ({}) served to domain {} through /dev/{}", vmName, disk.id(), disk.imagePath(), domid, device.name());
            return new XenDisk(disk.id(), domid, xs, image, device, export);
        } catch (HypervisorException | RuntimeException e) {
            if (device != null) {
                device.close();
            }
            if (export != null) {
                export.close();
            }
            closeQuietly(image);
            throw e;
        }
    }

    public String id() {
        return id;
    }

    /** The nbd device blkback serves this disk from. */
    public String device() {
        return "/dev/" + device.name();
    }

    /** Lists this disk's writes at {@code gate} from now on (null: none); see {@link DiskExport#setGate}. */
    public void setGate(OutputGate gate) {
        export.setGate(gate);
    }

    /** Takes the disk from the domain (if it still runs), disconnects the device, stops serving. */
    @Override
    public void close() {
        try {
            XenVbd.detach(xs, domid, id);
        } catch (HypervisorException | RuntimeException e) {
            LOG.warn("disk {} of domain {}: detaching failed: {}", id, domid, e.getMessage());
        }
        device.close();
        export.close();
        closeQuietly(image);
    }

    private static void closeQuietly(FileChannel image) {
        try {
            image.close();
        } catch (IOException e) {
            // nothing more to release
        }
    }
}
