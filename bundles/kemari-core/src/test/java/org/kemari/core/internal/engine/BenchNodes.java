package org.kemari.core.internal.engine;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.management.ProtectionException;
import org.kemari.api.policy.CheckpointPolicy;

/**
 * The {@link EngineRig} as the benchmark (package {@code .bench}) sees it: a primary and a
 * standby engine in this JVM, VMs to start, protect and kill, and an epoch observer.
 */
public final class BenchNodes implements AutoCloseable {
    /** What the benchmark learns about each epoch; see {@link EpochObserver}. */
    public interface EpochSink {
        void captured(long epoch, EpochTimings timings, long pages, long outputWaitNanos);

        void shipped(long epoch, long nanos);

        void acknowledged(long epoch, long nanos);
    }

    private final EngineRig rig;

    public BenchNodes() throws IOException {
        rig = new EngineRig();
    }

    /** Epochs of sessions protected from now on go to {@code sink} (null: nowhere). */
    public void observe(EpochSink sink) {
        rig.primary.setEpochObserver(sink == null ? null : new EpochObserver() {
            @Override
            public void captured(long epoch, EpochTimings timings, long pages, long outputWaitNanos) {
                sink.captured(epoch, timings, pages, outputWaitNanos);
            }

            @Override
            public void shipped(long epoch, long nanos) {
                sink.shipped(epoch, nanos);
            }

            @Override
            public void acknowledged(long epoch, long nanos) {
                sink.acknowledged(epoch, nanos);
            }
        });
    }

    /** A fresh zeroed disk image of {@code blocks} 4 KiB blocks in the rig's directory. */
    public Path disk(String name, int blocks) throws IOException {
        Path p = rig.dir.resolve(name + ".img");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(0);
            f.setLength(blocks * 4096L);
        }
        return p;
    }

    public Vm start(String name, long memory, List<VmSpec.DiskSpec> disks, List<VmSpec.NicSpec> nics,
                    Map<String, String> options) throws Exception {
        return rig.primaryVms.start("kvm", new VmSpec(name, memory, 1, VmSpec.TEST_GUEST, disks, nics, options));
    }

    public void protect(String vm, CheckpointPolicy policy) throws ProtectionException {
        rig.primary.setCheckpointPolicy(policy);
        rig.primary.protect(vm, rig.standbyAddress());
    }

    public void unprotect(String vm) throws ProtectionException {
        rig.primary.unprotect(vm);
    }

    /** Whether the VM is protected now (a loaded machine can make the primary drop its standby). */
    public boolean isProtected(String vm) {
        return rig.primary.status(vm).map(s -> s.state() == org.kemari.api.management.ProtectionStatus.State.PROTECTED).orElse(false);
    }

    public long epochs(String vm) {
        return rig.primary.status(vm).orElseThrow().epochs();
    }

    /** The primary host dies as in ReplicationEngineTest: its VM stops dead, its link drops. */
    public void killPrimary(Vm vm) {
        rig.crashPrimary(vm);
    }

    public Optional<Vm> onStandby(String vm) {
        return rig.standbyVms.find(vm);
    }

    public static long guestStatus(Vm vm, int offset) {
        return EngineRig.guestStatus(vm, offset);
    }

    public static final int DISK_WRITES_ACKED = EngineRig.DISK_WRITES_ACKED;
    public static final int ROUNDS = EngineRig.ROUNDS;
    public static final int UDP_ECHO_REPLIES = 0x840;

    @Override
    public void close() throws IOException {
        rig.close();
    }
}
