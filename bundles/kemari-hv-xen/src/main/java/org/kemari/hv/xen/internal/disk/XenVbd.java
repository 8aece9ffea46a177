package org.kemari.hv.xen.internal.disk;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;
import org.kemari.hv.xen.internal.sys.XenConstants;
import org.kemari.hv.xen.internal.sys.XsHandle;

/**
 * A guest's virtual block device as libxl makes a {@code phy:} disk: the frontend and backend
 * directories in xenstore, with {@code physical-device} written at once (what libxl's block script
 * adds), so blkback opens the device the moment it sees the directory. A running guest's blkfront
 * hot-plugs it; a restored guest's reconnects to it and re-issues the requests it had in flight.
 */
final class XenVbd {
    /** xvd disks: major 202, 16 minors a disk. */
    private static final int XVD_MAJOR = 202;
    private static final int STATE_CLOSING = 5;
    private static final int STATE_CLOSED = 6;
    private static final long CLOSE_WAIT_MS = 5_000;

    private XenVbd() {
    }

    /** The {@code virtual-device} number of a disk named like the guest sees it (xvda .. xvdp). */
    static int virtualDevice(String id) throws HypervisorException {
        if (!id.matches("xvd[a-p]")) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "a Xen disk's id is the device name the guest sees, "
                    + "xvda .. xvdp; got '" + id + "'");
        }
        return XVD_MAJOR << 8 | (id.charAt(3) - 'a') << 4;
    }

    static String frontend(XsHandle xs, int domid, int vdev) throws HypervisorException {
        return xs.domainPath(domid) + "/device/vbd/" + vdev;
    }

    static String backend(XsHandle xs, int domid, int vdev) throws HypervisorException {
        return xs.domainPath(0) + "/backend/vbd/" + domid + "/" + vdev;
    }

    /** The entries of both directories, in the order libxl writes them. */
    static Map<String, String> entries(String front, String back, int domid, int vdev, String id, String device,
            String physicalDevice, boolean readOnly) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put(front + "/backend", back);
        e.put(front + "/backend-id", "0");
        e.put(front + "/virtual-device", Integer.toString(vdev));
        e.put(front + "/device-type", "disk");
        e.put(front + "/state", "1");
        e.put(back + "/frontend", front);
        e.put(back + "/frontend-id", Integer.toString(domid));
        e.put(back + "/online", "1");
        e.put(back + "/removable", "0");
        e.put(back + "/bootable", "1");
        e.put(back + "/dev", id);
        e.put(back + "/type", "phy");
        e.put(back + "/mode", readOnly ? "r" : "w");
        e.put(back + "/device-type", "disk");
        e.put(back + "/params", device);
        e.put(back + "/physical-device-path", device);
        e.put(back + "/physical-device", physicalDevice);
        e.put(back + "/hotplug-status", "connected");
        e.put(back + "/state", "1");
        return e;
    }

    /** Creates disk {@code id} of the domain on {@code device} (e.g. /dev/nbd0, number "2b:0" in hex). */
    static void attach(XsHandle xs, int domid, String id, String device, String physicalDevice, boolean readOnly)
            throws HypervisorException {
        int vdev = virtualDevice(id);
        String front = frontend(xs, domid, vdev);
        String back = backend(xs, domid, vdev);
        if (xs.read(front + "/backend").isPresent()) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "domain " + domid + " has a disk " + id + " already");
        }
        Map<String, int[]> dirs = new LinkedHashMap<>();
        dirs.put(front, new int[] {domid, XenConstants.XS_PERM_NONE, 0, XenConstants.XS_PERM_READ});
        dirs.put(back, new int[] {0, XenConstants.XS_PERM_NONE, domid, XenConstants.XS_PERM_READ});
        xs.writeAtomically(entries(front, back, domid, vdev, id, device, physicalDevice, readOnly), dirs);
    }

    /**
     * Takes the disk away as libxl does: the backend goes offline and closes (blkback lets go of the
     * device), then both directories go. A domain already gone has nothing left to close.
     */
    static void detach(XsHandle xs, int domid, String id) throws HypervisorException {
        int vdev = virtualDevice(id);
        String front = frontend(xs, domid, vdev);
        String back = backend(xs, domid, vdev);
        if (xs.read(back + "/state").isPresent()) {
            xs.write(back + "/online", "0");
            xs.write(back + "/state", Integer.toString(STATE_CLOSING));
            long deadline = System.currentTimeMillis() + CLOSE_WAIT_MS;
            while (System.currentTimeMillis() < deadline && frontendLive(xs, front)
                    && !xs.read(back + "/state").equals(Optional.of(Integer.toString(STATE_CLOSED)))) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            xs.remove(back);
        }
        if (xs.read(front + "/backend").isPresent()) {
            xs.remove(front);
        }
    }

    private static boolean frontendLive(XsHandle xs, String front) throws HypervisorException {
        return xs.read(front + "/state").isPresent();
    }
}
