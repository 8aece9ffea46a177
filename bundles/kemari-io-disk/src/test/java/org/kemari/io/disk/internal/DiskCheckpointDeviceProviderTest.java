package org.kemari.io.disk.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.Test;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.io.CheckpointContext;
import org.kemari.api.io.CheckpointDevice;
import org.kemari.api.io.CheckpointDeviceException;
import org.kemari.api.io.DiskWriteOutput;
import org.kemari.api.io.OutputKind;
import org.kemari.api.io.PendingOutput;

public class DiskCheckpointDeviceProviderTest {

    private final List<String> log = new ArrayList<>();

    private static CheckpointContext context(List<VmSpec.DiskSpec> disks) {
        VmSpec spec = new VmSpec("vm1", 1 << 20, 1, VmSpec.TEST_GUEST, disks, List.of(), Map.of());
        Vm vm = (Vm) Proxy.newProxyInstance(Vm.class.getClassLoader(), new Class<?>[] {Vm.class}, (p, m, a) -> {
            if (m.getName().equals("spec")) {
                return spec;
            }
            throw new UnsupportedOperationException(m.getName());
        });
        return new CheckpointContext() {
            @Override
            public Vm vm() {
                return vm;
            }

            @Override
            public void requestCheckpoint() {
            }

            @Override
            public long committedEpoch() {
                return -1;
            }
        };
    }

    private PendingOutput write(String name, boolean fail) {
        return new PendingOutput() {
            public OutputKind kind() {
                return OutputKind.DISK_WRITE;
            }

            public String deviceId() {
                return "vda";
            }

            public int size() {
                return 4096;
            }

            public void release() throws IOException {
                if (fail) {
                    throw new IOException("No space left on device");
                }
                log.add("write " + name);
            }

            public void discard() {
                log.add("discard " + name);
            }
        };
    }

    @Test
    public void aVmWithoutDisksIsNotMine() throws Exception {
        assertTrue(new DiskCheckpointDeviceProvider().setup(context(List.of())).isEmpty());
    }

    @Test
    public void writesWaitForTheirEpochToCommit() throws Exception {
        CheckpointDevice device = new DiskCheckpointDeviceProvider()
                .setup(context(List.of(new VmSpec.DiskSpec("vda", "/shared/vm1.img", false)))).orElseThrow();
        assertEquals(Set.of(OutputKind.DISK_WRITE), device.handledKinds());
        device.hold(write("a", false), 3);
        device.hold(write("b", false), 4);
        device.commit(2);
        assertEquals(List.of(), log);
        device.commit(3);
        assertEquals(List.of("write a"), log);
        device.teardown(false);
        assertEquals("a torn-down VM's writes are never performed", List.of("write a", "discard b"), log);
    }

    @Test
    public void aFailedWriteIsReportedWithTheCause() throws Exception {
        CheckpointDevice device = new DiskCheckpointDeviceProvider()
                .setup(context(List.of(new VmSpec.DiskSpec("vda", "/shared/vm1.img", false)))).orElseThrow();
        device.hold(write("a", true), 1);
        device.hold(write("b", false), 1);
        try {
            device.commit(1);
            org.junit.Assert.fail();
        } catch (CheckpointDeviceException e) {
            assertEquals(CheckpointDeviceException.Reason.RELEASE_FAILED, e.reason());
            assertEquals("1 output(s) of vm1 could not be released; first: DISK_WRITE of vda: No space left on device",
                    e.getMessage());
        }
        assertEquals("the other writes still go out", List.of("write b"), log);
    }

    private DiskWriteOutput replicatedWrite(String disk, long offset) {
        return new DiskWriteOutput() {
            public OutputKind kind() {
                return OutputKind.DISK_WRITE;
            }

            public String deviceId() {
                return disk;
            }

            public int size() {
                return 512;
            }

            public long offset() {
                return offset;
            }

            public java.nio.ByteBuffer data() {
                return java.nio.ByteBuffer.allocate(512).asReadOnlyBuffer();
            }

            public void release() {
                log.add("write " + disk + "@" + offset);
            }

            public void discard() {
                log.add("discard " + disk + "@" + offset);
            }
        };
    }

    @Test
    public void writesToReplicatedDisksAreListedPerEpochForTheStream() throws Exception {
        CheckpointDevice device = new DiskCheckpointDeviceProvider().setup(context(List.of(
                new VmSpec.DiskSpec("vda", "replicated:/var/lib/kemari/vm1.img", false),
                new VmSpec.DiskSpec("vdb", "nbd://storage:10809/vm1", false)))).orElseThrow();
        DiskWriteOutput a = replicatedWrite("vda", 0);
        DiskWriteOutput b = replicatedWrite("vda", 512);
        device.hold(a, 3);
        device.hold(replicatedWrite("vdb", 0), 3);
        device.hold(b, 3);
        device.hold(replicatedWrite("vda", 1024), 4);
        assertEquals("only the replicated disk's writes, in order", List.of(a, b), device.replicatedWrites(3));
        assertEquals("asked once per epoch", List.of(), device.replicatedWrites(3));
        device.commit(3);
        assertEquals("held until the commit like any write", List.of("write vda@0", "write vdb@0", "write vda@512"), log);
        assertEquals(1, device.replicatedWrites(4).size());
        device.teardown(false);
    }

    @Test
    public void aWriteListedAfterItsEpochWasTakenGoesWithTheNextEpochNotNowhere() throws Exception {
        CheckpointDevice device = new DiskCheckpointDeviceProvider().setup(context(List.of(
                new VmSpec.DiskSpec("vda", "replicated:/var/lib/kemari/vm1.img", false)))).orElseThrow();
        DiskWriteOutput early = replicatedWrite("vda", 0);
        DiskWriteOutput late = replicatedWrite("vda", 512);
        device.hold(early, 5);
        assertEquals(List.of(early), device.replicatedWrites(5));
        // A backend's I/O thread read the open epoch (5) just before it closed and lists the write now.
        device.hold(late, 5);
        assertEquals(List.of(late), device.replicatedWrites(6));
        device.teardown(false);
    }

    @Test
    public void aReplicatedDiskWhoseWritesHideTheirDataFailsTheNextCapture() throws Exception {
        CheckpointDevice device = new DiskCheckpointDeviceProvider().setup(context(List.of(
                new VmSpec.DiskSpec("vda", "replicated:/var/lib/kemari/vm1.img", false)))).orElseThrow();
        device.hold(write("opaque", false), 1);
        CheckpointDeviceException e = org.junit.Assert.assertThrows(CheckpointDeviceException.class, () -> device.beforeResume(1));
        assertTrue(e.getMessage(), e.getMessage().contains("disk vda is replicated"));
        device.teardown(false);
    }

    @Test
    public void aReplicatedDiskNeedsAnAbsolutePath() {
        IllegalArgumentException e = org.junit.Assert.assertThrows(IllegalArgumentException.class,
                () -> new VmSpec.DiskSpec("vda", "replicated:vm1.img", false));
        assertEquals("replicated disk 'vda' needs an absolute image path (replicated:/path/to/image.img), got 'replicated:vm1.img'",
                e.getMessage());
    }
}
