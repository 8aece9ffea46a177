package org.kemari.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.util.List;

import org.junit.Test;
import org.kemari.api.hv.BackendStatus;

public class BackendRegistryImplTest {

    @Test
    public void highestRankingWinsThenLowestServiceId() {
        BackendRegistryImpl registry = new BackendRegistryImpl();
        StubBackend low = new StubBackend("kvm", "low");
        StubBackend high = new StubBackend("kvm", "high");
        StubBackend highLater = new StubBackend("kvm", "high-later");
        registry.add(low, 0, 1);
        registry.add(highLater, 10, 7);
        registry.add(high, 10, 3);
        assertSame(high, registry.find("kvm").orElseThrow());
        assertEquals(List.of("kvm"), registry.names());
    }

    @Test
    public void removedBackendIsForgotten() {
        BackendRegistryImpl registry = new BackendRegistryImpl();
        StubBackend kvm = new StubBackend("kvm", "only");
        registry.add(kvm, 0, 1);
        registry.removeBackend(kvm);
        assertTrue(registry.find("kvm").isEmpty());
        assertTrue(registry.probeAll().isEmpty());
    }

    @Test
    public void aProbeThatThrowsIsReportedAsUnusable() {
        BackendRegistryImpl registry = new BackendRegistryImpl();
        registry.add(new StubBackend("broken", "x") {
            @Override
            public BackendStatus probe() {
                throw new IllegalStateException("boom");
            }
        }, 0, 1);
        BackendStatus status = registry.probe("broken");
        assertFalse(status.usable());
        assertTrue(status.reason(), status.reason().contains("boom"));
    }

    @Test
    public void unknownNameListsTheKnownOnes() {
        BackendRegistryImpl registry = new BackendRegistryImpl();
        registry.add(new StubBackend("xen", "x"), 0, 2);
        registry.add(new StubBackend("kvm", "k"), 0, 1);
        try {
            registry.probe("hyperv");
            org.junit.Assert.fail();
        } catch (IllegalArgumentException e) {
            assertEquals("unknown backend 'hyperv'; installed backends: kvm, xen", e.getMessage());
        }
    }
}
