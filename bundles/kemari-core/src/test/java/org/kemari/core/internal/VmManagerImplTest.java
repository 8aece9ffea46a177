package org.kemari.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.Test;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.VmSpec;

public class VmManagerImplTest {

    private static VmSpec spec(String name) {
        return new VmSpec(name, 1 << 20, 1, VmSpec.TEST_GUEST, List.of(), List.of(), Map.of());
    }

    @Test
    public void unknownBackendIsAClearError() throws Exception {
        BackendRegistryImpl registry = new BackendRegistryImpl();
        registry.add(new StubBackend("kvm", "k"), 0, 1);
        VmManagerImpl manager = new VmManagerImpl(registry);
        try {
            manager.start("qemu", spec("vm1"));
            org.junit.Assert.fail();
        } catch (IllegalArgumentException e) {
            assertEquals("unknown backend 'qemu'; installed backends: kvm", e.getMessage());
        }
    }

    @Test
    public void aFailedCreateReleasesTheName() throws Exception {
        BackendRegistryImpl registry = new BackendRegistryImpl();
        StubBackend kvm = new StubBackend("kvm", "k");
        kvm.createFailure = new HypervisorException(HypervisorException.Reason.INVALID_REQUEST, "bad image");
        registry.add(kvm, 0, 1);
        VmManagerImpl manager = new VmManagerImpl(registry);
        for (int i = 0; i < 2; i++) {
            try {
                manager.start("kvm", spec("vm1"));
                org.junit.Assert.fail();
            } catch (HypervisorException e) {
                // The second attempt must fail for the same reason, not with "name in use".
                assertEquals("bad image", e.getMessage());
            }
        }
        assertTrue(manager.list().isEmpty());
    }

    @Test
    public void stoppingAnUnknownVmIsAClearError() {
        VmManagerImpl manager = new VmManagerImpl(new BackendRegistryImpl());
        try {
            manager.stop("ghost");
            org.junit.Assert.fail();
        } catch (IllegalArgumentException e) {
            assertEquals("no VM named 'ghost' on this node", e.getMessage());
        }
    }
}
