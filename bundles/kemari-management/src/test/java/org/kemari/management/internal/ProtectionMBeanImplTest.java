package org.kemari.management.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.lang.reflect.Proxy;
import java.util.List;

import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import org.junit.Test;
import org.kemari.api.management.ProtectionException;
import org.kemari.api.management.ProtectionManager;
import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.management.ProtectionStatus.Role;
import org.kemari.api.management.ProtectionStatus.State;
import org.kemari.api.management.StandbyListenerStatus;

public class ProtectionMBeanImplTest {

    private static ProtectionStatus status(String vm, Role role, State state) {
        return new ProtectionStatus(vm, role, state, "127.0.0.1:7788", 7, 8, 0, 200, 190, "event-driven", "tcp", "msg");
    }

    private static ProtectionManager manager() {
        return (ProtectionManager) Proxy.newProxyInstance(ProtectionManager.class.getClassLoader(),
                new Class<?>[] {ProtectionManager.class}, (p, m, a) -> switch (m.getName()) {
                    case "list" -> List.of(status("web", Role.PRIMARY, State.UNPROTECTED), status("db", Role.PRIMARY, State.PROTECTED),
                            status("web", Role.STANDBY, State.PROTECTED));
                    case "standbyListener" -> new StandbyListenerStatus(StandbyListenerStatus.State.NOT_LISTENING,
                            "0.0.0.0:7788", "", "NOT LISTENING on 0.0.0.0:7788: the listener failed: boom; retrying every 1000 ms", 2);
                    case "unprotect" -> throw new ProtectionException(ProtectionException.Reason.NOT_PROTECTED,
                            "VM " + a[0] + " is not protected by this node");
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    public void tableAndUnprotectedVms() throws Exception {
        ProtectionMBeanImpl bean = new ProtectionMBeanImpl();
        bean.protection = manager();
        TabularData table = bean.getProtections();
        assertEquals(3, table.size());
        CompositeData web = table.get(new Object[] {"web", "primary"});
        assertEquals("unprotected", web.get("state"));
        assertEquals(7L, web.get("committedEpoch"));
        assertArrayEquals(new String[] {"web"}, bean.getUnprotectedVms());
    }

    @Test
    public void failuresAreOneLineIllegalStates() throws Exception {
        ProtectionMBeanImpl bean = new ProtectionMBeanImpl();
        bean.protection = manager();
        assertEquals("VM x is not protected by this node",
                assertThrows(IllegalStateException.class, () -> bean.unprotect("x")).getMessage());
        assertEquals("expected host:port, got 'bad'",
                assertThrows(IllegalArgumentException.class, () -> bean.protect("x", "bad")).getMessage());
    }

    @Test
    public void theStandbyListenerIsOneLineAndAFlag() throws Exception {
        ProtectionMBeanImpl bean = new ProtectionMBeanImpl();
        bean.protection = manager();
        assertEquals("NOT LISTENING on 0.0.0.0:7788: the listener failed: boom; retrying every 1000 ms (restarted 2 times)",
                bean.getStandbyListener());
        assertEquals(false, bean.isStandbyListening());
    }
}
