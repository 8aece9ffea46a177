package org.kemari.core.internal.engine;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.management.ProtectionStatus;
import org.kemari.core.internal.BackendRegistryImpl;
import org.kemari.core.internal.VmManagerImpl;
import org.kemari.hv.xen.internal.XenBackend;
import org.kemari.hv.xen.internal.XenRigAccess;
import org.kemari.io.disk.internal.DiskCheckpointDeviceProvider;
import org.kemari.io.net.internal.NetCheckpointDeviceProvider;
import org.kemari.io.net.internal.linux.KernelFrameHold;
import org.kemari.policy.checkpoint.internal.EventDrivenCheckpointPolicy;
import org.kemari.policy.failover.internal.HeartbeatTimeoutFailoverPolicy;
import org.kemari.transport.tcp.internal.TcpSettings;
import org.kemari.transport.tcp.internal.TcpTransport;

/**
 * Runs in the rig's dom0 (scripts/xen-rig): two engine nodes in this JVM, wired by hand as DS would,
 * over real TCP on loopback, protect the running PVH guest with the Xen backend's REMUS stream.
 * Epochs are driven by the guest's console lines (held output), the primary is killed (links
 * dropped, domain destroyed), and the standby must take over by itself and the guest count on.
 * The guest's vif is held by the network interceptor (plug qdisc in dom0's kernel); its numbered
 * UDP datagrams to dom0 must arrive each exactly once across the failover. Its disk xvdb is a
 * replicated disk Kemari serves: every write whose acknowledgement reached the outside world (a
 * released "GUEST disk N" console line), and every write of the copy, must be on the standby's copy
 * of the image, and the copy's writes go on after the failover.
 * Prints {@code RIG-CHECK name PASS|FAIL evidence} lines.
 *
 * <p>Arguments: domain name, xenconsoled log directory, minimum epochs.
 */
public final class XenEngineRigMain {
    private static final Map<String, Boolean> RESULTS = new LinkedHashMap<>();
    private static final Pattern TICK = Pattern.compile("GUEST tick (\\d+)");
    private static final Pattern DISK = Pattern.compile("GUEST disk (\\d+)");
    private static final int SECTOR = 512;

    public static void main(String[] args) throws Exception {
        String name = args[0];
        Path log = Path.of(args[1], "guest-" + name + ".log");
        int wanted = Integer.parseInt(args[2]);
        Path published = Files.createTempFile("console-published", ".log");
        TcpTransport primaryTcp = new TcpTransport(TcpSettings.defaults());
        TcpTransport standbyTcp = new TcpTransport(TcpSettings.defaults());
        VmManagerImpl primaryVms = new VmManagerImpl(registry());
        VmManagerImpl standbyVms = new VmManagerImpl(registry());
        // Generous heartbeats: dom0 runs under QEMU TCG and this JVM with -Xint.
        ProtectionManagerImpl primary = new ProtectionManagerImpl(primaryVms, registry(), primaryTcp,
                new EventDrivenCheckpointPolicy(), new HeartbeatTimeoutFailoverPolicy(4000));
        primary.addDeviceProvider(new NetCheckpointDeviceProvider());
        primary.addDeviceProvider(new DiskCheckpointDeviceProvider());
        // The replicated disk: the primary's image, and the standby's copy under its own root.
        Path image = Path.of("/tmp/kemari-xvdb.img");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(8L << 20);
        }
        Path replicaRoot = Path.of("/tmp/standby-disks");
        Path replica = replicaRoot.resolve(image.toString().substring(1));
        Files.createDirectories(replica.getParent());
        GuestDatagrams datagrams = GuestDatagrams.listen(5514);
        primary.apply(config(Map.of("standby_listen", "", "standbySilenceMillis", 8000L, "maxEpochsInFlight", 1,
                "initialSyncTimeoutMillis", 600_000L, "connectTimeoutMillis", 10_000L)));
        ProtectionManagerImpl standby = new ProtectionManagerImpl(standbyVms, registry(), standbyTcp,
                new EventDrivenCheckpointPolicy(), new HeartbeatTimeoutFailoverPolicy(4000));
        // Both sides allow the initial copy 10 min: under nested TCG and -Xint it took 47 s on an idle
        // machine and over 120 s (the default) on a busy one.
        standby.apply(config(Map.of("standby_listen", "127.0.0.1:0", "standby_dataDir", "/tmp",
                "standby_replicatedDiskRoot", replicaRoot.toString(), "initialSyncTimeoutMillis", 600_000L)));
        try {
            await(() -> standby.standbyAddress() != null, 30_000);
            VmSpec spec = new VmSpec(name, 128L << 20, 1, "xl:" + name, List.of(new VmSpec.DiskSpec("xvdb", "replicated:" + image, false)),
                    List.of(new VmSpec.NicSpec("net0", "00:16:3e:4b:4d:01", "vif:script=/xr/rig/vif-rig")),
                    Map.of("xen.domain", name, "xen.console-log", log.toString(), "xen.console-published", published.toString()));
            Vm vm = primaryVms.start("xen", spec);
            long t0 = System.currentTimeMillis();
            ProtectionStatus s = primary.protect(name, standby.standbyAddress());
            check("engine-protect", s.state() == ProtectionStatus.State.PROTECTED, s.state() + " in "
                    + (System.currentTimeMillis() - t0) + " ms: " + s.message());
            boolean epochs = await(() -> acked(primary, name) >= wanted && lastTick(published) > 0, 300_000);
            long acked = acked(primary, name);
            long releasedTick = lastTick(published);
            long seenTick = lastTick(log);
            check("engine-epochs", epochs, "primary: " + primary.status(name).orElseThrow().epochs() + " epochs, "
                    + acked + " acknowledged (event-driven: console lines held); standby: "
                    + standby.status(name).map(ProtectionStatus::committedEpoch).orElse(-1L) + " committed; "
                    + "published console tick " + releasedTick + ", raw console tick " + seenTick);
            if (!epochs) {
                // Nothing after this can pass; an attempt that ends now leaves time for the next one.
                throw new IllegalStateException("protection did not get going: " + primary.status(name).map(ProtectionStatus::message).orElse("no status"));
            }

            System.out.println("RIG-INFO primary-ports " + ports(vm));
            check("engine-net-flows", datagrams.count() > 0, datagrams.count() + " datagrams from the guest so far, "
                    + "last seq " + datagrams.last() + ", through the held vif " + vm.nicHostInterface("net0").orElse("?"));

            // A datagram or console line that names a write left its host only once its epoch was
            // acknowledged, and the standby applies an epoch's writes before it acknowledges it.
            boolean diskWrites = await(() -> datagrams.diskAcks().size() >= 3 && numbers(published, DISK).size() >= 3, 180_000);
            List<Long> released = new java.util.ArrayList<>(datagrams.diskAcks());
            released.addAll(numbers(published, DISK));
            List<Long> notOnCopy = lostWrites(replica, released);
            check("engine-disk-replicated", diskWrites && notOnCopy.isEmpty(), "acknowledged writes to xvdb ("
                    + XenRigAccess.diskDevices(vm) + ") told of in " + datagrams.diskAcks().size() + " datagrams and "
                    + numbers(published, DISK).size() + " released console lines, last " + max(released)
                    + "; on the standby's copy already: all but " + notOnCopy);

            // The primary's host dies. Both nodes share this dom0, so its death is staged: the domain
            // stops, the frames its host still held die with it (its ifb), its links drop without a
            // word (no END_OF_PROTECTION), and the domain is destroyed.
            long releasedAtCrash = lastTick(published);
            String vif = vm.nicHostInterface("net0").orElseThrow();
            boolean paused = new ProcessBuilder("xl", "pause", name).inheritIO().start().waitFor() == 0;
            long diskAtCrash = Math.max(max(numbers(log, DISK)), max(datagrams.diskAcks()));
            boolean heldDropped = new ProcessBuilder("ip", "link", "del", KernelFrameHold.ifbName(vif))
                    .inheritIO().start().waitFor() == 0;
            long seqAtCrash = datagrams.last();
            primaryTcp.close();
            Process destroy = new ProcessBuilder("xl", "destroy", name).inheritIO().start();
            boolean destroyed = paused && heldDropped && destroy.waitFor() == 0;
            long rawLogAtCrash = Files.size(log); // the primary is gone: later lines are the copy's
            long tCrash = System.currentTimeMillis();
            boolean tookOver = await(() -> standby.status(name).map(st -> st.state() == ProtectionStatus.State.FAILED_OVER)
                    .orElse(false), 180_000);
            ProtectionStatus ss = standby.status(name).orElse(null);
            check("engine-failover", destroyed && tookOver && ss != null && ss.state() == ProtectionStatus.State.FAILED_OVER,
                    "primary destroyed=" + destroyed + ", standby " + (ss == null ? "none" : ss.state() + ": " + ss.message())
                            + " after " + (System.currentTimeMillis() - tCrash) + " ms");
            if (!tookOver) {
                throw new IllegalStateException("no copy to check: the standby did not take over");
            }
            // The copy's workload runs on: its console ticks or its numbered datagrams go on. (The
            // copy's console has been seen silent while its loop and network ran; see docs/xen-rig.md.)
            long base = Math.max(releasedAtCrash, lastTick(log));
            boolean continues = tookOver && await(() -> lastTick(log) > base + 10 || datagrams.last() > seqAtCrash + 100, 180_000);
            check("engine-continues", continues, "last published tick before the crash " + releasedAtCrash
                    + ", copy's console now at tick " + lastTick(log) + " (needs > " + (base + 10) + ")"
                    + ", its datagrams at " + datagrams.last() + " (needs > " + (seqAtCrash + 100) + ")");
            if (!continues) {
                throw new IllegalStateException("the copy does not run: its network and disk cannot be checked");
            }
            // UDP output commit across the failover: the copy sends on (its netfront reconnected to
            // the vif the standby made) and no number ever arrives twice. Numbers may be missing:
            // those of the last epoch the standby committed but the dead primary never released.
            boolean copySends = await(() -> datagrams.last() > seqAtCrash + 20, 60_000);
            check("engine-net-no-duplicates", copySends && datagrams.duplicates().isEmpty(), "last seq from the primary "
                    + seqAtCrash + ", from the copy up to " + datagrams.last() + "; " + datagrams.count()
                    + " datagrams, duplicates " + datagrams.duplicates() + ", missing " + datagrams.missing());
            // Disk: every write whose acknowledgement the world saw (released console lines of the
            // primary; the copy's lines, unheld as it runs unprotected) is on the standby's copy.
            boolean copyWrites = await(() -> max(datagrams.diskAcks()) > diskAtCrash + 20
                    || max(numbersAfter(log, rawLogAtCrash, DISK)) > diskAtCrash + 20, 120_000);
            java.util.TreeSet<Long> acknowledged = new java.util.TreeSet<>(datagrams.diskAcks());
            acknowledged.addAll(numbers(published, DISK));
            List<Long> copys = numbersAfter(log, rawLogAtCrash, DISK);
            acknowledged.addAll(copys);
            List<Long> lost = lostWrites(replica, new java.util.ArrayList<>(acknowledged));
            check("engine-disk-acknowledged-kept", copyWrites && lost.isEmpty(),
                    acknowledged.size() + " acknowledged writes checked on the standby's copy (last before the crash "
                            + diskAtCrash + ", the copy's up to " + max(new java.util.ArrayList<>(acknowledged)) + ", " + copys.size()
                            + " of them on its console); missing: " + lost);
            standbyVms.find(name).ifPresent(copy -> System.out.println("RIG-INFO copy-xenstore " + sysrqProbe(copy, log)));
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            check("engine-no-exception", false, t.toString());
        } finally {
            datagrams.close();
            primary.deactivate();
            standby.deactivate();
            primaryTcp.close();
            standbyTcp.close();
        }
        boolean ok = !RESULTS.isEmpty() && RESULTS.values().stream().allMatch(b -> b);
        System.out.println("RIG-ENGINE " + (ok ? "PASS" : "FAIL"));
        System.exit(ok ? 0 : 1);
    }

    /**
     * Whether the guest's kernel still talks to xenstore: a sysrq key written to its control/sysrq
     * makes it print "sysrq: HELP" on its console (diagnosis for the copy's vif, see docs/xen-rig.md).
     */
    private static String sysrqProbe(Vm vm, Path console) {
        try {
            String vif = vm.nicHostInterface("net0").orElse("vif?.0");
            String domid = vif.substring(3, vif.indexOf('.'));
            long before = count(console, "sysrq: HELP");
            int rc = new ProcessBuilder("/xr/root/usr/bin/xenstore-write", "/local/domain/" + domid + "/control/sysrq", "h")
                    .inheritIO().start().waitFor();
            boolean answered = await(() -> count(console, "sysrq: HELP") > before, 10_000);
            return "domain " + domid + ": xenstore-write rc=" + rc + ", guest " + (answered ? "answered" : "did not answer") + " sysrq h";
        } catch (Exception e) {
            return "probe failed: " + e;
        }
    }

    private static String ports(Vm vm) throws Exception {
        String vif = vm.nicHostInterface("net0").orElse("vif?.0");
        String dom = "/local/domain/" + vif.substring(3, vif.indexOf('.'));
        StringBuilder out = new StringBuilder();
        for (String key : new String[] {"/store/port", "/console/port"}) {
            Process p = new ProcessBuilder("/xr/root/usr/bin/xenstore-read", dom + key).redirectErrorStream(true).start();
            out.append(key).append('=').append(new String(p.getInputStream().readAllBytes()).trim()).append(' ');
            p.waitFor();
        }
        return out.toString().trim();
    }

    private static long count(Path file, String text) {
        try {
            String s = Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1);
            long n = 0;
            for (int i = s.indexOf(text); i >= 0; i = s.indexOf(text, i + 1)) {
                n++;
            }
            return n;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** Every number of {@code pattern}'s lines in a console file, in order. */
    static List<Long> numbers(Path file, Pattern pattern) {
        return numbersAfter(file, 0, pattern);
    }

    /** The numbers of {@code pattern}'s lines written to a console file after its first {@code offset} bytes. */
    static List<Long> numbersAfter(Path file, long offset, Pattern pattern) {
        List<Long> out = new java.util.ArrayList<>();
        try {
            byte[] all = Files.readAllBytes(file);
            int from = (int) Math.min(offset, all.length);
            Matcher m = pattern.matcher(new String(all, from, all.length - from, java.nio.charset.StandardCharsets.ISO_8859_1));
            while (m.find()) {
                out.add(Long.parseLong(m.group(1)));
            }
        } catch (java.io.IOException e) {
            // no file yet: no numbers
        }
        return out;
    }

    private static long max(List<Long> numbers) {
        return numbers.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /** The acknowledged writes whose sector (N) does not hold "seq=N". */
    private static List<Long> lostWrites(Path image, List<Long> acknowledged) throws java.io.IOException {
        byte[] disk = Files.readAllBytes(image);
        List<Long> lost = new java.util.ArrayList<>();
        for (long n : new java.util.TreeSet<>(acknowledged)) {
            String want = "seq=" + n + " ";
            String have = new String(disk, (int) (n * SECTOR), want.length(), java.nio.charset.StandardCharsets.US_ASCII);
            if (!have.equals(want)) {
                lost.add(n);
            }
        }
        return lost;
    }

    private static long acked(ProtectionManagerImpl primary, String name) {
        return primary.status(name).map(ProtectionStatus::committedEpoch).orElse(-1L);
    }

    /** The highest "GUEST tick N" in a console file, 0 if none. */
    static long lastTick(Path file) {
        return max(numbers(file, TICK));
    }

    private static BackendRegistryImpl registry() {
        BackendRegistryImpl r = new BackendRegistryImpl();
        r.add(new XenBackend(), 0, 1);
        return r;
    }

    private static EngineConfig config(Map<String, Object> overrides) {
        return (EngineConfig) Proxy.newProxyInstance(EngineConfig.class.getClassLoader(), new Class<?>[] {EngineConfig.class},
                (proxy, method, a) -> overrides.containsKey(method.getName()) ? overrides.get(method.getName())
                        : method.getName().equals("annotationType") ? EngineConfig.class : method.getDefaultValue());
    }

    private static boolean await(BooleanSupplier condition, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    private static void check(String what, boolean ok, String evidence) {
        RESULTS.put(what, ok);
        System.out.println("RIG-CHECK " + what + " " + (ok ? "PASS" : "FAIL") + " " + evidence);
    }
}
