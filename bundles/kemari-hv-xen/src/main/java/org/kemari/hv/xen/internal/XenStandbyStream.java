package org.kemari.hv.xen.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;
import org.kemari.api.hv.StandbyStream;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.hv.xen.internal.sys.LibC;
import org.kemari.hv.xen.internal.sys.XcHandle;
import org.kemari.hv.xen.internal.sys.XsHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Xen standby: an empty paused domain that {@link RemusRestore} fills from a pipe the engine
 * writes the REMUS stream into. Checkpoint n + 1 of libxenguest is engine epoch n. "Applied" means:
 * libxenguest called its checkpoint callback for it (all its records arrived) and then went back to
 * reading the pipe - it processes a checkpoint's buffered records between the two, so by then its
 * pages are in the domain and its vCPU/HVM context is held to be loaded when the stream ends.
 */
final class XenStandbyStream implements StandbyStream {
    private static final Logger LOG = LoggerFactory.getLogger(XenStandbyStream.class);
    private static final int SYS_READ = 0;

    private final VmSpec spec;
    private final XcHandle xc;
    private final XsHandle xs;
    private final RemusRestore restore;
    private final LibC libc = org.kemari.hv.xen.internal.sys.NativeLibraries.libc();
    private final int readFd;
    private int writeFd;
    private final Thread receiver;
    private volatile String receiverTask;
    private volatile Throwable failure;
    private volatile boolean closed;

    XenStandbyStream(VmSpec spec) throws HypervisorException {
        this.spec = spec;
        this.xc = XcHandle.open();
        this.xs = XsHandle.open();
        this.restore = new RemusRestore(xc, xs);
        restore.prepare(spec.vcpus(), spec.memoryBytes() / 1024 + 1024);
        LOG.info("VM {}: standby domain {} made, {}", spec.name(), restore.domid(), restore.ports());
        int[] fds = new int[2];
        if (libc.pipe(fds) != 0) {
            restore.discard();
            throw new HypervisorException(Reason.HOST_ERROR, "pipe() failed");
        }
        readFd = fds[0];
        writeFd = fds[1];
        receiver = new Thread(this::receive, "xen-standby-restore-" + spec.name());
        receiver.setDaemon(true);
        receiver.start();
    }

    private void receive() {
        try {
            // Our kernel task, to see from /proc whether libxenguest waits in read() on the pipe.
            receiverTask = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
            restore.receive(readFd);
        } catch (Throwable t) {
            failure = t;
        }
    }

    @Override
    public synchronized void write(ByteBuffer bytes) throws IOException {
        byte[] b = new byte[bytes.remaining()];
        bytes.duplicate().get(b);
        int off = 0;
        while (off < b.length) {
            if (failure != null || closed) {
                throw new IOException("the Xen restore ended: " + (failure == null ? "closed" : failure.getMessage()));
            }
            byte[] piece = off == 0 ? b : java.util.Arrays.copyOfRange(b, off, b.length);
            long n = libc.write(writeFd, piece, piece.length);
            if (n < 0) {
                throw new IOException("writing the stream to xc_domain_restore failed (errno "
                        + com.sun.jna.Native.getLastError() + ")");
            }
            off += (int) n;
        }
    }

    @Override
    public boolean awaitApplied(long epoch, long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            if (failure != null || !receiver.isAlive()) {
                throw new IOException("the Xen restore ended: " + (failure == null ? "stream ended" : failure.toString()));
            }
            if (restore.checkpoints() >= epoch + 1 && waitingForMore()) {
                return true;
            }
            Thread.sleep(2);
        }
        return false;
    }

    /** Whether the restore thread sleeps in read() on the pipe with nothing left in it. */
    private boolean waitingForMore() throws IOException {
        String task = receiverTask;
        if (task == null) {
            return false;
        }
        String[] f = Files.readString(Path.of("/proc", task, "syscall"), StandardCharsets.US_ASCII).trim().split(" ");
        int[] avail = new int[1];
        return f.length >= 2 && f[0].equals(Integer.toString(SYS_READ)) && Long.decode(f[1]) == readFd
                && libc.ioctl(readFd, LibC.FIONREAD, avail) == 0 && avail[0] == 0;
    }

    @Override
    public synchronized Vm takeOver() throws HypervisorException {
        if (writeFd >= 0) {
            libc.close(writeFd); // end of stream: libxenguest keeps the last whole checkpoint and returns
            writeFd = -1;
        }
        try {
            receiver.join(120_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HypervisorException(Reason.HOST_ERROR, "interrupted while the restore finished");
        }
        if (receiver.isAlive() || failure != null || restore.checkpoints() == 0) {
            throw new HypervisorException(Reason.BAD_STATE, "the Xen restore did not end with a checkpoint: "
                    + (receiver.isAlive() ? "still running" : failure != null ? failure.toString() : "no checkpoint"));
        }
        resumeAsRestored();
        String name = spec.options().getOrDefault(XenVm.DOMAIN_OPTION, spec.name());
        restore.publish(name);
        for (int devid = 0; devid < spec.nics().size(); devid++) {
            // The copy's NICs, as xl made the primary's: its netfront reconnects when it resumes.
            XenVif.attach(xs, restore.domid(), devid, spec.nics().get(devid));
        }
        Map<String, String> options = new HashMap<>(spec.options());
        options.put(XenVm.DOMAIN_OPTION, name);
        VmSpec local = new VmSpec(spec.name(), spec.memoryBytes(), spec.vcpus(), spec.image(), spec.disks(), spec.nics(), options);
        XenVm copy = XenVm.adoptCopy(local, restore.domid());
        try {
            // The copy's disks, on the same shared images: its blkfront reconnects and re-issues what was in flight.
            copy.attachDisks();
        } catch (HypervisorException | RuntimeException e) {
            copy.close();
            throw e;
        }
        return copy;
    }

    /**
     * The copy's guest must see its suspend as done, not cancelled, or it keeps using the vifs'
     * rings and event channels of the domain it was copied from (which do not exist here).
     */
    private void resumeAsRestored() throws HypervisorException {
        byte[] context = xc.hvmContext(restore.domid());
        OptionalLong rax = SuspendReturn.of(context);
        LOG.info("VM {}: the restored guest's suspend returns {}", spec.name(), rax.isPresent() ? rax.getAsLong() : "?");
        if (rax.isPresent() && rax.getAsLong() != 0) {
            xc.setHvmContext(restore.domid(), SuspendReturn.with(context, 0));
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (writeFd >= 0) {
            libc.close(writeFd);
            writeFd = -1;
        }
        restore.discard();
        try {
            receiver.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        libc.close(readFd);
        xs.close();
        xc.close();
    }
}
