package org.kemari.hv.xen.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;
import org.kemari.api.hv.VmSpec;
import org.kemari.hv.xen.internal.sys.XenConstants;
import org.kemari.hv.xen.internal.sys.XsHandle;

/**
 * A guest's vif as libxl would make it, for a domain libxl did not create (the standby's restored
 * copy): the frontend and backend directories in xenstore, netback's vif device, and the hotplug
 * script that puts it on the host's network. The guest's netfront reconnects to it when it
 * returns from its suspend. NIC backend syntax: {@code vif} or {@code vif:script=/abs/path}.
 */
final class XenVif {
    static final String BACKEND = "vif";
    private static final long DEVICE_WAIT_MS = 10_000;
    private static final long SCRIPT_TIMEOUT_S = 40;

    private XenVif() {
    }

    /** The host interface netback makes for the domain's NIC number {@code devid}. */
    static String interfaceName(int domid, int devid) {
        return "vif" + domid + "." + devid;
    }

    /** The hotplug script named in the NIC's backend, or null (Kemari then only brings the vif up). */
    static String script(VmSpec.NicSpec nic) throws HypervisorException {
        String b = nic.backend();
        if (b.equals(BACKEND)) {
            return null;
        }
        if (b.startsWith(BACKEND + ":script=/")) {
            return b.substring((BACKEND + ":script=").length());
        }
        throw new HypervisorException(Reason.INVALID_REQUEST, "NIC " + nic.id() + ": a Xen NIC's backend is '"
                + BACKEND + "' or '" + BACKEND + ":script=/abs/path', not '" + b + "'");
    }

    /**
     * The spec's MAC must be the one the domain's vif has (its backend's {@code mac}): the standby
     * makes the copy's vif with the spec's, and the guest keeps the one it had.
     */
    static void checkMac(VmSpec.NicSpec nic, String vif, java.util.Optional<String> domainMac) throws HypervisorException {
        if (domainMac.isPresent() && !domainMac.get().trim().equalsIgnoreCase(nic.mac())) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "NIC " + nic.id() + " has MAC " + nic.mac()
                    + " in the spec, but the domain's " + vif + " has " + domainMac.get().trim()
                    + ": give the domain's MAC (kemari:vm-start --mac)");
        }
    }

    /** Creates NIC {@code devid} of the (paused) domain and connects its host side. */
    static void attach(XsHandle xs, int domid, int devid, VmSpec.NicSpec nic) throws HypervisorException {
        String script = script(nic);
        String front = xs.domainPath(domid) + "/device/vif/" + devid;
        String back = xs.domainPath(0) + "/backend/vif/" + domid + "/" + devid;
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put(front + "/backend", back);
        entries.put(front + "/backend-id", "0");
        entries.put(front + "/handle", Integer.toString(devid));
        entries.put(front + "/mac", nic.mac());
        entries.put(front + "/state", "1");
        entries.put(back + "/frontend", front);
        entries.put(back + "/frontend-id", Integer.toString(domid));
        entries.put(back + "/handle", Integer.toString(devid));
        entries.put(back + "/mac", nic.mac());
        entries.put(back + "/type", "vif");
        entries.put(back + "/script", script == null ? "" : script);
        entries.put(back + "/hotplug-status", ""); // netback connects only once this says "connected"
        entries.put(back + "/online", "1");
        entries.put(back + "/state", "1");
        // One transaction, as libxl does: netback probes the moment the backend directory appears.
        Map<String, int[]> dirs = new LinkedHashMap<>();
        dirs.put(front, new int[] {domid, XenConstants.XS_PERM_NONE, 0, XenConstants.XS_PERM_READ});
        dirs.put(back, new int[] {0, XenConstants.XS_PERM_NONE, domid, XenConstants.XS_PERM_READ});
        xs.writeAtomically(entries, dirs);
        String vif = interfaceName(domid, devid);
        awaitDevice(vif);
        if (script != null) {
            run(vif, new String[] {script, "online", "type_if=vif"}, "backend/vif/" + domid + "/" + devid);
        } else {
            run(vif, new String[] {"ip", "link", "set", vif, "up"}, null);
            xs.write(back + "/hotplug-status", "connected");
        }
    }

    /** netback makes the vif device when it sees the backend directory. */
    private static void awaitDevice(String vif) throws HypervisorException {
        long deadline = System.currentTimeMillis() + DEVICE_WAIT_MS;
        while (!Files.exists(Path.of("/sys/class/net", vif))) {
            if (System.currentTimeMillis() > deadline) {
                throw new HypervisorException(Reason.HOST_ERROR, "netback made no " + vif + " within "
                        + DEVICE_WAIT_MS + " ms (is xen-netback loaded in this dom0?)");
            }
            sleep();
        }
    }

    private static void run(String vif, String[] command, String xenbusPath) throws HypervisorException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("vif", vif);
        if (xenbusPath != null) {
            pb.environment().put("XENBUS_PATH", xenbusPath);
            pb.environment().put("XENBUS_TYPE", "vif");
            pb.environment().put("XENBUS_BASE_PATH", "backend");
            pb.environment().put("script", command[0]);
        }
        try {
            Process p = pb.start();
            if (!p.waitFor(SCRIPT_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new HypervisorException(Reason.HOST_ERROR, command[0] + " for " + vif + " did not finish in "
                        + SCRIPT_TIMEOUT_S + " s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.exitValue() != 0) {
                throw new HypervisorException(Reason.HOST_ERROR, command[0] + " for " + vif + " failed (exit "
                        + p.exitValue() + "): " + out);
            }
        } catch (IOException e) {
            throw new HypervisorException(Reason.HOST_ERROR, "cannot run " + command[0] + " for " + vif + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HypervisorException(Reason.HOST_ERROR, "interrupted while connecting " + vif, e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
