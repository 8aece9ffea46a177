package org.kemari.hv.xen.internal.rig;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

import java.util.List;

import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.DirtyPageSet;
import org.kemari.api.hv.GuestMemory;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmState;
import org.kemari.hv.xen.internal.RemusRestore;
import org.kemari.hv.xen.internal.RemusSave;
import org.kemari.hv.xen.internal.XenBackend;
import org.kemari.hv.xen.internal.sys.DirtyBitmap;
import org.kemari.hv.xen.internal.sys.DomainInfo;
import org.kemari.hv.xen.internal.sys.EvtchnHandle;
import org.kemari.hv.xen.internal.sys.ForeignMemoryHandle;
import org.kemari.hv.xen.internal.sys.HvmSaveRecord;
import org.kemari.hv.xen.internal.sys.LibC;
import org.kemari.hv.xen.internal.sys.ShadowOpStats;
import org.kemari.hv.xen.internal.sys.XcHandle;
import org.kemari.hv.xen.internal.sys.XenConstants;
import org.kemari.hv.xen.internal.sys.XsHandle;

import com.sun.jna.Native;

/**
 * Runs inside the nested rig's dom0 (scripts/xen-rig/run.sh), against a running PVH guest: the
 * probe, the raw calls the backend needs, and a REMUS stream from Java to a Java receiver with
 * checkpoints driven by the guest's console output, then failover to the copy. Prints one
 * {@code RIG-CHECK <name> PASS|FAIL <evidence>} line per check; the script judges them.
 */
public final class XenRigMain {
    private static final Map<String, Boolean> RESULTS = new LinkedHashMap<>();

    private XenRigMain() {
    }

    public static void main(String[] args) throws Exception {
        String name = args.length > 0 ? args[0] : "gpvh";
        int wanted = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        long t0 = System.nanoTime();
        try {
            run(name, wanted);
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            check("no-exception", false, t.toString());
        }
        System.out.printf("RIG: java part took %.1f s%n", (System.nanoTime() - t0) / 1e9);
        boolean all = !RESULTS.isEmpty() && RESULTS.values().stream().allMatch(b -> b);
        System.out.println("RIG-JAVA " + (all ? "PASS" : "FAIL"));
        System.exit(all ? 0 : 1); // a receiver stuck in native code must not keep the JVM alive
    }

    private static void run(String name, int wanted) throws Exception {
        BackendStatus status = new XenBackend().probe();
        status.details().forEach(d -> System.out.println("RIG:   " + d.check() + " " + (d.ok() ? "ok" : "FAILED") + " " + d.value()));
        check("probe", status.usable(), "usable=" + status.usable() + " reason=" + status.reason());

        try (XcHandle xc = XcHandle.open(); XsHandle xs = XsHandle.open();
             ForeignMemoryHandle fm = ForeignMemoryHandle.open(); EvtchnHandle ev = EvtchnHandle.open()) {
            int domid = findDomain(xs, name);
            DomainInfo info = xc.domainInfo(domid).orElseThrow();
            check("domain", info.has(XenConstants.DOMINF_HVM_GUEST) && info.has(XenConstants.DOMINF_HAP),
                    name + " domid=" + domid + " flags=0x" + Integer.toHexString(info.flags) + " tot_pages=" + info.tot_pages
                            + " evtchn fd=" + ev.fd());

            xc.pause(domid);
            boolean paused = xc.domainInfo(domid).orElseThrow().has(XenConstants.DOMINF_PAUSED);
            xc.unpause(domid);
            boolean running = !xc.domainInfo(domid).orElseThrow().has(XenConstants.DOMINF_PAUSED);
            check("pause-unpause", paused && running, "paused=" + paused + " then unpaused=" + running);

            hvmContext(xc, domid);
            foreignMap(fm, domid);
            logDirty(xc, domid);
            spiVm(name, info);
            remus(xc, xs, domid, name, info, wanted);
        }
    }

    private static void hvmContext(XcHandle xc, int domid) throws Exception {
        xc.pause(domid); // a consistent context
        byte[] blob;
        try {
            blob = xc.hvmContext(domid);
        } finally {
            xc.unpause(domid);
        }
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        int firstType = b.getShort(HvmSaveRecord.DESCRIPTOR_TYPECODE) & 0xffff;
        int magic = b.getInt(HvmSaveRecord.DESCRIPTOR_SIZE + HvmSaveRecord.HEADER_MAGIC);
        int cpus = 0;
        long rip = 0;
        int at = 0;
        while (at + HvmSaveRecord.DESCRIPTOR_SIZE <= blob.length) {
            int type = b.getShort(at + HvmSaveRecord.DESCRIPTOR_TYPECODE) & 0xffff;
            int len = b.getInt(at + HvmSaveRecord.DESCRIPTOR_LENGTH);
            if (type == XenConstants.HVM_SAVE_CODE_CPU) {
                cpus++;
                rip = b.getLong(at + HvmSaveRecord.DESCRIPTOR_SIZE + HvmSaveRecord.CPU_RIP);
            }
            if (type == XenConstants.HVM_SAVE_CODE_END) {
                break;
            }
            at += HvmSaveRecord.DESCRIPTOR_SIZE + len;
        }
        check("hvm-context", firstType == XenConstants.HVM_SAVE_CODE_HEADER && magic == XenConstants.HVM_FILE_MAGIC && cpus >= 1,
                blob.length + " bytes, header magic 0x" + Integer.toHexString(magic) + ", " + cpus + " CPU record(s), vCPU rip 0x" + Long.toHexString(rip) + ", set back ok");
    }

    /**
     * The set path, last: the same blob back into the paused copy. Done early on the primary, it
     * was followed by a stalled guest in most runs (its timers, under nested TCG), so it comes after
     * every check that needs a running guest.
     */
    private static void setContextBack(XcHandle xc, int domid) throws Exception {
        xc.pause(domid);
        try {
            byte[] blob = xc.hvmContext(domid);
            xc.setHvmContext(domid, blob);
            check("hvm-setcontext", true, blob.length + " bytes set back into paused domain " + domid);
        } finally {
            xc.unpause(domid);
        }
    }

    private static void foreignMap(ForeignMemoryHandle fm, int domid) throws Exception {
        long[] gfns = new long[8];
        for (int i = 0; i < gfns.length; i++) {
            gfns[i] = 0x1000 + i; // 16 MiB into the guest: RAM in any PVH layout
        }
        ForeignMemoryHandle.Mapping m = fm.map(domid, ForeignMemoryHandle.PROT_READ, gfns);
        long nonZero = 0;
        for (int off = 0; off < gfns.length * 4096; off += 8) {
            nonZero += m.address().getLong(off) != 0 ? 1 : 0;
        }
        fm.unmap(m);
        check("foreign-map", true, "mapped 8 guest frames at gfn 0x1000, " + nonZero + " non-zero qwords");
    }

    private static void logDirty(XcHandle xc, int domid) throws Exception {
        xc.enableLogDirty(domid);
        try {
            long pages = xc.nrGpfns(domid);
            try (DirtyBitmap bm = xc.newDirtyBitmap(pages)) {
                xc.readDirty(domid, bm, true); // the first read after enabling: start from clean
                long[] counts = new long[3];
                String[] ops = {"CLEAN", "PEEK", "CLEAN"};
                for (int i = 0; i < 3; i++) {
                    Thread.sleep(1000);
                    ShadowOpStats st = xc.readDirty(domid, bm, !ops[i].equals("PEEK"));
                    counts[i] = bm.count();
                    System.out.println("RIG:   log-dirty " + ops[i] + " after 1 s: " + counts[i] + " dirty of " + pages
                            + " frames (stats dirty_count=" + st.dirty_count + ")");
                }
                check("log-dirty", counts[0] > 0 && counts[2] > 0,
                        "dirty frames per second while the guest writes: " + counts[0] + ", " + counts[1] + " (peek), " + counts[2]);
            }
        } finally {
            xc.disableLogDirty(domid);
        }
    }

    /** The same domain through the SPI, as the engine would drive an epoch. */
    private static void spiVm(String name, DomainInfo info) throws Exception {
        VmSpec spec = new VmSpec(name, 128L << 20, 1, "xen", List.of(), List.of(), Map.of("xen.domain", name));
        try (Vm vm = new XenBackend().create(spec)) {
            vm.pause();
            VmState paused = vm.state();
            long first = vm.fetchAndClearDirtyPages().count();
            vm.resume();
            Thread.sleep(1000);
            vm.pause();
            DirtyPageSet epoch = vm.fetchAndClearDirtyPages();
            ByteBuffer page = ByteBuffer.allocate(GuestMemory.PAGE_SIZE);
            long firstDirty = epoch.iterator().hasNext() ? epoch.iterator().nextLong() : 0;
            vm.memory().read(firstDirty * GuestMemory.PAGE_SIZE, page);
            MachineState state = vm.captureState();
            vm.resume();
            VmState running = vm.state();
            vm.stopDirtyTracking();
            check("spi-epoch", paused == VmState.PAUSED && running == VmState.RUNNING && first == spec.memoryBytes() / 4096
                            && epoch.count() > 0 && state.records().get(0).payload().length > 0,
                    "state " + paused + "/" + running + ", first fetch " + first + " pages (all), epoch of 1 s: " + epoch.count()
                            + " dirty RAM pages, read page " + firstDirty + ", state record " + state.records().get(0).kind()
                            + " " + state.records().get(0).payload().length + " bytes");
        }
    }

    private static void remus(XcHandle xc, XsHandle xs, int domid, String name, DomainInfo info, int wanted) throws Exception {
        LibC libc = org.kemari.hv.xen.internal.sys.NativeLibraries.libc();
        int[] sv = new int[2];
        if (libc.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM, 0, sv) != 0) {
            throw new IOException("socketpair failed: errno " + Native.getLastError());
        }
        ConsoleEvents console = new ConsoleEvents("/var/log/xen/guest-" + name + ".log");
        RemusRestore standby;
        Thread receiver;
        Throwable[] receiveFailure = {null};
        XcHandle xcRecv = XcHandle.open(); // a stream holds its handle: one per thread
        standby = new RemusRestore(xcRecv, xs);
        int copy = standby.prepare(1, info.max_pages * 4 + 1024);
        System.out.println("RIG:   standby domain " + copy + " created, receiving");
        receiver = new Thread(() -> {
            try {
                standby.receive(sv[1]);
            } catch (Throwable t) {
                receiveFailure[0] = t;
            }
        }, "remus-receiver");
        receiver.setDaemon(true);
        receiver.start();

        RemusSave primary = new RemusSave(xc, xs, domid);
        long t0 = System.nanoTime();
        long[] lastTick = {-1};
        try {
            primary.run(sv[0], n -> {
                System.out.printf("RIG:   checkpoint %d written at %.1f s (suspend took %.0f ms)%n", n,
                        (System.nanoTime() - t0) / 1e9, primary.lastSuspendNanos() / 1e6);
                if (n >= wanted) {
                    return false;
                }
                // Event-driven: the next checkpoint waits for the guest's next console line (its output).
                String line = console.nextLine("GUEST tick", 60_000);
                System.out.println("RIG:   event: guest console said '" + line + "'");
                if (line != null) {
                    lastTick[0] = Long.parseLong(line.replaceAll("\\D+", " ").trim().split(" ")[0]);
                }
                return true;
            });
        } finally {
            libc.shutdown(sv[0], 2); // the stream ends either way: the receiver fails over or gives up
        }
        System.out.printf("RIG:   xc_domain_save returned after %d checkpoints in %.1f s%n", primary.checkpoints(),
                (System.nanoTime() - t0) / 1e9);
        xc.destroy(domid); // the primary dies ...
        libc.close(sv[0]); // ... and its stream has ended: the receiver fails over to the last checkpoint
        receiver.join(120_000);
        libc.close(sv[1]);
        check("remus-checkpoints", receiveFailure[0] == null && !receiver.isAlive() && primary.checkpoints() >= 3
                        && standby.checkpoints() >= 3,
                "primary wrote " + primary.checkpoints() + ", standby received " + standby.checkpoints()
                        + (receiveFailure[0] != null ? ", receiver failed: " + receiveFailure[0] : ""));
        if (receiveFailure[0] != null) {
            standby.discard();
            return;
        }

        standby.takeOver(name + "-copy");
        DomainInfo a = xcRecv.domainInfo(copy).orElseThrow();
        Thread.sleep(5000);
        DomainInfo b = xcRecv.domainInfo(copy).orElseThrow();
        boolean primaryGone = xc.domainInfo(domid).isEmpty() || xc.domainInfo(domid).get().has(XenConstants.DOMINF_DYING);
        boolean alive = b.cpu_time > a.cpu_time && !b.has(XenConstants.DOMINF_SHUTDOWN) && !b.has(XenConstants.DOMINF_PAUSED);
        ConsoleEvents copyConsole = new ConsoleEvents("/var/log/xen/guest-" + name + "-copy.log");
        String copyLine = copyConsole.nextLine("GUEST tick", 30_000);
        check("failover", primaryGone && alive,
                "primary destroyed=" + primaryGone + ", copy domid " + copy + " cpu_time " + a.cpu_time + " -> " + b.cpu_time
                        + " ns, flags=0x" + Integer.toHexString(b.flags) + ", copy's console: '" + copyLine
                        + "' (primary's last tick before the last checkpoint: " + lastTick[0] + ")");
        setContextBack(xcRecv, copy);
        xcRecv.close();
    }

    private static int findDomain(XsHandle xs, String name) throws Exception {
        for (String id : xs.directory("/local/domain")) {
            if (xs.read("/local/domain/" + id + "/name").orElse("").equals(name)) {
                return Integer.parseInt(id);
            }
        }
        throw new IllegalStateException("no domain named " + name);
    }

    private static void check(String what, boolean ok, String evidence) {
        RESULTS.put(what, ok);
        System.out.println("RIG-CHECK " + what + " " + (ok ? "PASS" : "FAIL") + " " + evidence);
    }
}
