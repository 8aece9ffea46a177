package org.kemari.management.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import org.junit.Test;
import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.BackendStatus.Detail;
import org.kemari.api.management.BackendRegistry;
import org.kemari.api.management.BackendsMBean;

public class BackendsMBeanImplTest {

    private static BackendRegistry registry(BackendStatus... statuses) {
        return new BackendRegistry() {
            @Override
            public List<String> names() {
                return List.of(statuses).stream().map(BackendStatus::backend).toList();
            }

            @Override
            public java.util.Optional<org.kemari.api.hv.HypervisorBackend> find(String name) {
                return java.util.Optional.empty();
            }

            @Override
            public List<BackendStatus> probeAll() {
                return List.of(statuses);
            }

            @Override
            public BackendStatus probe(String name) {
                return probeAll().stream().filter(s -> s.backend().equals(name)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("unknown backend '" + name + "'"));
            }
        };
    }

    @Test
    public void readableAsOpenTypesThroughAnMBeanServer() throws Exception {
        BackendsMBeanImpl bean = new BackendsMBeanImpl();
        bean.registry = registry(
                new BackendStatus("kvm", true, "usable", List.of(new Detail("open /dev/kvm", true, "ok"))),
                new BackendStatus("xen", false, "not in dom0", List.of()));
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName(BackendsMBean.OBJECT_NAME);
        server.registerMBean(bean, name);
        try {
            TabularData table = (TabularData) server.getAttribute(name, "Backends");
            CompositeData kvm = table.get(new Object[] {"kvm"});
            assertEquals(Boolean.TRUE, kvm.get("usable"));
            assertArrayEquals(new String[] {"ok open /dev/kvm: ok"}, (String[]) kvm.get("details"));
            assertEquals("not in dom0", table.get(new Object[] {"xen"}).get("reason"));
            assertArrayEquals(new String[] {"kvm"}, (String[]) server.getAttribute(name, "UsableBackends"));
            CompositeData xen = (CompositeData) server.invoke(name, "probe", new Object[] {"xen"},
                    new String[] {String.class.getName()});
            assertEquals(Boolean.FALSE, xen.get("usable"));
        } finally {
            server.unregisterMBean(name);
        }
    }

    @Test
    public void unknownBackendIsAnIllegalArgument() throws Exception {
        BackendsMBeanImpl bean = new BackendsMBeanImpl();
        bean.registry = registry();
        try {
            bean.probe("nope");
            org.junit.Assert.fail();
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("unknown backend 'nope'"));
        }
    }
}
