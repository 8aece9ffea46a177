package org.kemari.io.net.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.Test;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.io.CheckpointContext;
import org.kemari.api.io.OutputKind;

public class NetCheckpointDeviceProviderTest {

    private static CheckpointContext context(List<VmSpec.NicSpec> nics) {
        VmSpec spec = new VmSpec("vm1", 1 << 20, 1, VmSpec.TEST_GUEST, List.of(), nics, Map.of());
        Vm vm = (Vm) Proxy.newProxyInstance(Vm.class.getClassLoader(), new Class<?>[] {Vm.class},
                (p, m, a) -> m.getName().equals("spec") ? spec : null);
        return (CheckpointContext) Proxy.newProxyInstance(CheckpointContext.class.getClassLoader(),
                new Class<?>[] {CheckpointContext.class}, (p, m, a) -> m.getName().equals("vm") ? vm : null);
    }

    @Test
    public void holdsTheFramesOfVmsWithNics() throws Exception {
        NetCheckpointDeviceProvider provider = new NetCheckpointDeviceProvider();
        assertTrue(provider.setup(context(List.of())).isEmpty());
        var device = provider.setup(context(List.of(new VmSpec.NicSpec("net0", "52:54:00:00:00:01", "tap:kt0"))));
        assertEquals(Set.of(OutputKind.NET_FRAME), device.orElseThrow().handledKinds());
    }
}
