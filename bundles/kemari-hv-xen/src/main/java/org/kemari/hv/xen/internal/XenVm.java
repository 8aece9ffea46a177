package org.kemari.hv.xen.internal;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.kemari.api.hv.DirtyPageSet;
import org.kemari.api.hv.GuestMemory;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;
import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.CheckpointStreamSink;
import org.kemari.api.hv.StateRecord;
import org.kemari.api.hv.StreamCheckpointing;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmListener;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.hv.VmState;
import org.kemari.api.io.OutputGate;
import org.kemari.hv.xen.internal.disk.XenDisk;
import org.kemari.hv.xen.internal.sys.DirtyBitmap;
import org.kemari.hv.xen.internal.sys.DomainInfo;
import org.kemari.hv.xen.internal.sys.ForeignMemoryHandle;
import org.kemari.hv.xen.internal.sys.NativeLibraries;
import org.kemari.hv.xen.internal.sys.XcHandle;
import org.kemari.hv.xen.internal.sys.XenConstants;
import org.kemari.hv.xen.internal.sys.XsHandle;

/**
 * A running Xen PVH/HVM domain, adopted by name (started with xl), seen through the SPI: pause and
 * resume are {@code xc_domain_pause/unpause}, the dirty log is HAP log-dirty, memory is foreign
 * mappings, state is the HVM context blob. {@link #streamCheckpoints} is the other seam: the whole
 * epoch as libxenguest's REMUS stream (see docs/architecture.md, "Xen backend").
 *
 * <p>The guest's I/O goes through dom0's backends (netback, blkback): its NICs' frames are held on
 * their vifs by the network interceptor ({@link #nicHostInterface}); the spec's disks are served by
 * Kemari ({@link XenDisk}: an nbd device blkback uses) and attached when the domain is adopted, so
 * their writes wait at the output gate. {@link #close()} takes those disks away again, releases
 * Kemari's handles and leaves the domain to xl.
 */
final class XenVm implements Vm, StreamCheckpointing {
    /** {@link VmSpec#options()} key naming the running domain to adopt. */
    static final String DOMAIN_OPTION = "xen.domain";
    /** RAM offset = gfn holds below libxl's low-memory hole for PVH guests. */
    static final long MAX_LOW_RAM = 0xF000_0000L;
    static final String HVM_CONTEXT = "xen.hvm-context";

    private final VmSpec spec;
    private final int domid;
    private final XcHandle xc;
    private final XsHandle xs;
    private final ForeignMemoryHandle fm;
    private final XenGuestMemory memory;
    private final List<VmListener> listeners = new CopyOnWriteArrayList<>();
    private DirtyBitmap bitmap;
    private volatile OutputGate gate;
    private XenConsoleTap consoleTap;
    private List<XenDisk> disks = List.of();
    private volatile boolean closed;

    private XenVm(VmSpec spec, int domid, XcHandle xc, XsHandle xs, ForeignMemoryHandle fm) {
        this.spec = spec;
        this.domid = domid;
        this.xc = xc;
        this.xs = xs;
        this.fm = fm;
        this.memory = new XenGuestMemory(fm, domid, spec.memoryBytes());
    }

    /** Adopts the running domain named by the spec's {@value #DOMAIN_OPTION} option. */
    static XenVm adopt(VmSpec spec) throws HypervisorException {
        XenVm vm = adopt(spec, true);
        try {
            vm.attachDisks();
        } catch (HypervisorException | RuntimeException e) {
            vm.close();
            throw e;
        }
        return vm;
    }

    /**
     * Adopts a standby's restored copy (paused, published under the spec's domain name). Its page
     * count is not checked: the stream populates only the frames the guest had.
     */
    static XenVm adoptCopy(VmSpec spec, int expectedDomid) throws HypervisorException {
        XenVm vm = adopt(spec, false);
        if (vm.domid != expectedDomid) {
            vm.close();
            throw new HypervisorException(Reason.BAD_STATE, "domain name " + spec.options().get(DOMAIN_OPTION)
                    + " is domain " + vm.domid + ", not the restored copy " + expectedDomid);
        }
        return vm;
    }

    private static XenVm adopt(VmSpec spec, boolean checkPages) throws HypervisorException {
        String name = spec.options().get(DOMAIN_OPTION);
        if (name == null) {
            throw new HypervisorException(Reason.UNSUPPORTED, "building Xen domains from a VmSpec is not implemented: "
                    + "start the guest with xl and name it in the option " + DOMAIN_OPTION);
        }
        if (spec.memoryBytes() > MAX_LOW_RAM) {
            throw new HypervisorException(Reason.UNSUPPORTED, "Xen guests above " + (MAX_LOW_RAM >> 20)
                    + " MiB (RAM above the 4 GiB hole) are not supported yet");
        }
        for (VmSpec.DiskSpec d : spec.disks()) {
            XenDisk.check(d);
        }
        XcHandle xc = XcHandle.open();
        XsHandle xs = null;
        ForeignMemoryHandle fm = null;
        try {
            xs = XsHandle.open();
            fm = ForeignMemoryHandle.open();
            int domid = findDomain(xs, xc, name);
            DomainInfo info = xc.domainInfo(domid).orElseThrow(() ->
                    new HypervisorException(Reason.INVALID_REQUEST, "domain " + name + " vanished"));
            if (!info.has(XenConstants.DOMINF_HVM_GUEST) || !info.has(XenConstants.DOMINF_HAP)) {
                throw new HypervisorException(Reason.UNSUPPORTED, "domain " + name
                        + " is not a PVH/HVM guest with HAP: log-dirty needs hardware-assisted paging here");
            }
            if (checkPages && info.tot_pages * XenConstants.PAGE_SIZE < spec.memoryBytes()) {
                throw new HypervisorException(Reason.INVALID_REQUEST, "domain " + name + " has "
                        + (info.tot_pages * XenConstants.PAGE_SIZE >> 20) + " MiB, the spec says " + (spec.memoryBytes() >> 20));
            }
            checkNics(spec, domid, checkPages, xs);
            if (checkPages) {
                refuseUnheldDisks(spec, xs.directory(xs.domainPath(domid) + "/device/vbd"));
            }
            return new XenVm(spec, domid, xc, xs, fm);
        } catch (HypervisorException | RuntimeException e) {
            if (fm != null) {
                fm.close();
            }
            if (xs != null) {
                xs.close();
            }
            xc.close();
            throw e;
        }
    }

    /** {@link VmSpec#options()} key that lets a domain with disks be protected although its writes are not held. */
    static final String ALLOW_UNHELD_DISKS = "xen.allow-unheld-disks";

    /**
     * Disks the domain has from xl go through blkback straight to their storage, unheld: at failover
     * the copy would run from a checkpoint older than writes such a disk already has. Refused unless
     * the spec says {@value #ALLOW_UNHELD_DISKS}=true (e.g. a disk only read, or data the guest can
     * rebuild). Disks named in the spec are Kemari's own (held), attached after this check.
     */
    static void refuseUnheldDisks(VmSpec spec, List<String> vbds) throws HypervisorException {
        if (!vbds.isEmpty() && !Boolean.parseBoolean(spec.options().get(ALLOW_UNHELD_DISKS))) {
            throw new HypervisorException(Reason.UNSUPPORTED, "domain " + spec.options().get(DOMAIN_OPTION) + " has "
                    + vbds.size() + " disk(s) from xl (vbd " + String.join(", ", vbds) + ") whose writes Kemari cannot hold,"
                    + " so a failover could lose or reorder acknowledged writes: give the guest its disks in the spec"
                    + " instead (Kemari serves them and holds their writes), or set " + ALLOW_UNHELD_DISKS
                    + "=true to protect it anyway");
        }
    }

    /**
     * Serves the spec's disks and attaches them to the domain (hot-plugged into a running guest;
     * found by a restored copy's blkfront when it resumes). Writes wait at the output gate, if any.
     */
    synchronized void attachDisks() throws HypervisorException {
        requireLive();
        if (!disks.isEmpty() || spec.disks().isEmpty()) {
            return;
        }
        disks = XenDisk.attachAll(NativeLibraries.libc(), xs, domid, spec);
        OutputGate g = gate;
        if (g != null) {
            disks.forEach(d -> d.setGate(g));
        }
    }

    /** The disks Kemari serves to this domain. */
    List<XenDisk> disks() {
        return disks;
    }


    /** The spec's NICs must be valid Xen NICs and, on a running primary, be the domain's vifs. */
    private static void checkNics(VmSpec spec, int domid, boolean primary, XsHandle xs) throws HypervisorException {
        for (int devid = 0; devid < spec.nics().size(); devid++) {
            XenVif.script(spec.nics().get(devid));
            String vif = XenVif.interfaceName(domid, devid);
            if (primary && !java.nio.file.Files.exists(java.nio.file.Path.of("/sys/class/net", vif))) {
                throw new HypervisorException(Reason.INVALID_REQUEST, "NIC " + spec.nics().get(devid).id() + " of "
                        + spec.name() + " should be " + vif + ", which dom0 does not have (the domain's vif list and the spec's NICs must match)");
            }
            if (primary) {
                XenVif.checkMac(spec.nics().get(devid), vif,
                        xs.read(xs.domainPath(0) + "/backend/vif/" + domid + "/" + devid + "/mac"));
            }
        }
    }

    /**
     * The live domain of that name. xenstore may still hold the name of a domain already destroyed
     * (its entry is removed after the domain), so every match is checked with the hypervisor and
     * the newest live one wins.
     */
    private static int findDomain(XsHandle xs, XcHandle xc, String name) throws HypervisorException {
        int found = -1;
        for (String id : xs.directory("/local/domain")) {
            if (xs.read("/local/domain/" + id + "/name").orElse("").equals(name)) {
                int domid = Integer.parseInt(id);
                if (domid > found && xc.domainInfo(domid).isPresent()) {
                    found = domid;
                }
            }
        }
        if (found < 0) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "no running Xen domain named " + name);
        }
        return found;
    }

    int domid() {
        return domid;
    }

    @Override
    public VmSpec spec() {
        return spec;
    }

    @Override
    public String backend() {
        return XenBackend.NAME;
    }

    @Override
    public VmState state() {
        if (closed) {
            return VmState.STOPPED;
        }
        try {
            Optional<DomainInfo> info = xc.domainInfo(domid);
            if (info.isEmpty() || info.get().has(XenConstants.DOMINF_DYING)) {
                return VmState.STOPPED;
            }
            if (info.get().has(XenConstants.DOMINF_SHUTDOWN)
                    && info.get().shutdownReason() != XenConstants.SHUTDOWN_SUSPEND) {
                return VmState.STOPPED;
            }
            return info.get().has(XenConstants.DOMINF_PAUSED) ? VmState.PAUSED : VmState.RUNNING;
        } catch (HypervisorException e) {
            return VmState.FAILED;
        }
    }

    @Override
    public Optional<String> failureReason() {
        return Optional.empty();
    }

    @Override
    public void pause() throws HypervisorException {
        requireLive();
        if (state() != VmState.PAUSED) { // xc pause counts nest: pause once so one resume undoes it
            xc.pause(domid);
        }
    }

    @Override
    public void resume() throws HypervisorException {
        requireLive();
        if (state() == VmState.PAUSED) {
            xc.unpause(domid);
        }
    }

    /** A NIC's frames reach dom0 on its vif (netback), never through Kemari: the network interceptor holds them there. */
    @Override
    public Optional<String> nicHostInterface(String nicId) {
        List<VmSpec.NicSpec> nics = spec.nics();
        for (int devid = 0; devid < nics.size(); devid++) {
            if (nics.get(devid).id().equals(nicId)) {
                return Optional.of(XenVif.interfaceName(domid, devid));
            }
        }
        return Optional.empty();
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public synchronized DirtyPageSet fetchAndClearDirtyPages() throws HypervisorException {
        requireLive();
        long pages = spec.memoryBytes() / GuestMemory.PAGE_SIZE;
        if (bitmap == null) {
            xc.enableLogDirty(domid);
            bitmap = xc.newDirtyBitmap(xc.nrGpfns(domid));
            xc.readDirty(domid, bitmap, true); // start the log from now
            return DirtyPageSet.all(pages);
        }
        xc.readDirty(domid, bitmap, true);
        DirtyPageSet set = new DirtyPageSet(pages);
        long[] words = bitmap.words();
        for (int i = 0; i < set.wordCount() && i < words.length; i++) {
            long w = words[i];
            if (i == set.wordCount() - 1 && pages % 64 != 0) {
                w &= (1L << (pages % 64)) - 1; // frames above RAM (special pages) are not RAM offsets
            }
            set.orWord(i, w);
        }
        return set;
    }

    @Override
    public synchronized void stopDirtyTracking() throws HypervisorException {
        if (bitmap != null) {
            bitmap.close();
            bitmap = null;
            xc.disableLogDirty(domid);
        }
    }

    @Override
    public MachineState captureState() throws HypervisorException {
        requireLive();
        if (state() != VmState.PAUSED) {
            throw new HypervisorException(Reason.WRONG_STATE, "capture needs the VM paused, it is " + state());
        }
        byte[] blob = xc.hvmContext(domid);
        return new MachineState(XenBackend.NAME, List.of(new StateRecord(HVM_CONTEXT, "0", 1, blob)));
    }

    /**
     * The stream seam: runs libxenguest's REMUS save of this domain into {@code fd} until {@code gate}
     * ends it; blocks the calling thread for the whole protection.
     */
    void streamCheckpoints(int fd, CheckpointGate gate) throws HypervisorException {
        requireLive();
        new RemusSave(xc, xs, domid).run(fd, gate);
    }

    /**
     * The engine's seam: libxenguest's REMUS stream of this domain as the engine's epochs (see
     * {@link XenStreamSource}); blocks the calling thread for the whole protection.
     */
    @Override
    public void streamCheckpoints(CheckpointStreamSink sink) throws HypervisorException {
        requireLive();
        new XenStreamSource(xc, xs, domid).run(sink);
    }

    @Override
    public synchronized void setOutputGate(OutputGate gate) {
        this.gate = gate;
        disks.forEach(d -> d.setGate(gate));
        if (consoleTap != null) {
            consoleTap.close();
            consoleTap = null;
        }
        String log = spec.options().get(XenConsoleTap.LOG_OPTION);
        String published = spec.options().get(XenConsoleTap.PUBLISHED_OPTION);
        if (gate != null && log != null && published != null) {
            // Console lines are held here; disks at their exports, NICs' frames in dom0's kernel.
            consoleTap = new XenConsoleTap(java.nio.file.Path.of(log), java.nio.file.Path.of(published), gate);
        }
    }

    OutputGate outputGate() {
        return gate;
    }

    @Override
    public void addListener(VmListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(VmListener listener) {
        listeners.remove(listener);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            stopDirtyTracking();
        } catch (HypervisorException e) {
            // the domain may be gone already; the handles are released below either way
        }
        closed = true;
        if (consoleTap != null) {
            consoleTap.close();
        }
        disks.forEach(XenDisk::close);
        fm.close();
        xs.close();
        xc.close();
    }

    private void requireLive() throws HypervisorException {
        if (closed) {
            throw new HypervisorException(Reason.WRONG_STATE, "VM " + spec.name() + " is closed");
        }
    }
}
