package org.kemari.io.net.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.Test;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.io.CheckpointContext;
import org.kemari.api.io.CheckpointDevice;
import org.kemari.api.io.CheckpointDeviceException;
import org.kemari.api.io.OutputKind;

public class NetCheckpointDeviceProviderTest {
    private static final VmSpec.NicSpec NET0 = new VmSpec.NicSpec("net0", "52:54:00:00:00:01", "tap:kt0");
    private static final VmSpec.NicSpec NET1 = new VmSpec.NicSpec("net1", "52:54:00:00:00:02", "tap:kt1");

    /** A VM whose NICs reach the host kernel on the interfaces in {@code hostInterfaces} (by NIC id). */
    private static CheckpointContext context(List<VmSpec.NicSpec> nics, Map<String, String> hostInterfaces) {
        VmSpec spec = new VmSpec("vm1", 1 << 20, 1, VmSpec.TEST_GUEST, List.of(), nics, Map.of());
        InvocationHandler vmCalls = (p, m, a) -> switch (m.getName()) {
            case "spec" -> spec;
            case "nicHostInterface" -> Optional.ofNullable(hostInterfaces.get((String) a[0]));
            default -> null;
        };
        Vm vm = (Vm) Proxy.newProxyInstance(Vm.class.getClassLoader(), new Class<?>[] {Vm.class}, vmCalls);
        return (CheckpointContext) Proxy.newProxyInstance(CheckpointContext.class.getClassLoader(),
                new Class<?>[] {CheckpointContext.class}, (p, m, a) -> m.getName().equals("vm") ? vm : null);
    }

    @Test
    public void holdsTheFramesTheBackendSubmits() throws Exception {
        NetCheckpointDeviceProvider provider = new NetCheckpointDeviceProvider(iface -> {
            throw new AssertionError("no kernel hold for a backend that submits its frames");
        });
        assertTrue(provider.setup(context(List.of(), Map.of())).isEmpty());
        CheckpointDevice device = provider.setup(context(List.of(NET0), Map.of())).orElseThrow();
        assertEquals(Set.of(OutputKind.NET_FRAME), device.handledKinds());
    }

    @Test
    public void holdsInTheKernelTheFramesOfNicsThatBypassTheBackend() throws Exception {
        List<FakeFrameHold> started = new ArrayList<>();
        NetCheckpointDeviceProvider provider = new NetCheckpointDeviceProvider(iface -> {
            FakeFrameHold h = new FakeFrameHold(iface);
            started.add(h);
            return h;
        });
        CheckpointDevice device = provider.setup(context(List.of(NET0, NET1),
                Map.of("net0", "vif3.0", "net1", "vif3.1"))).orElseThrow();
        try {
            assertEquals(Set.of(), device.handledKinds());
            assertEquals(List.of("vif3.0", "vif3.1"), started.stream().map(FakeFrameHold::iface).toList());
        } finally {
            device.teardown(false);
        }
    }

    @Test
    public void aHoldThatCannotStartUndoesTheOthersAndSaysWhy() {
        List<FakeFrameHold> started = new ArrayList<>();
        NetCheckpointDeviceProvider provider = new NetCheckpointDeviceProvider(iface -> {
            if (iface.equals("vif3.1")) {
                throw new IOException("cannot hold the frames of vif3.1: tc failed");
            }
            FakeFrameHold h = new FakeFrameHold(iface);
            started.add(h);
            return h;
        });
        CheckpointDeviceException e = assertThrows(CheckpointDeviceException.class, () -> provider.setup(
                context(List.of(NET0, NET1), Map.of("net0", "vif3.0", "net1", "vif3.1"))));
        assertEquals(CheckpointDeviceException.Reason.SETUP_FAILED, e.reason());
        assertEquals("VM vm1: cannot hold the frames of vif3.1: tc failed", e.getMessage());
        assertTrue("the hold already started is let go", started.get(0).closedWithRelease);
    }

    @Test
    public void nicsOfBothKindsAreRefused() {
        NetCheckpointDeviceProvider provider = new NetCheckpointDeviceProvider(FakeFrameHold::new);
        CheckpointDeviceException e = assertThrows(CheckpointDeviceException.class,
                () -> provider.setup(context(List.of(NET0, NET1), Map.of("net0", "vif3.0"))));
        assertEquals(CheckpointDeviceException.Reason.BAD_CONFIGURATION, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("[vif3.0]"));
    }
}
