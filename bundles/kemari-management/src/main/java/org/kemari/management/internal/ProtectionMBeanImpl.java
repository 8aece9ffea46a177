package org.kemari.management.internal;

import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import org.kemari.api.management.ProtectionException;
import org.kemari.api.management.ProtectionManager;
import org.kemari.api.management.ProtectionMBean;
import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.management.StandbyListenerStatus;
import org.kemari.api.transport.Endpoint;
import org.kemari.management.internal.codec.ProtectionMetricsCodec;
import org.kemari.management.internal.codec.ProtectionStatusCodec;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Protection over JMX. Failures come back as {@link IllegalStateException} with the engine's
 * one-line message: JMX clients may not have Kemari's exception classes.
 */
@Component(service = ProtectionMBean.class, property = "jmx.objectname=" + ProtectionMBean.OBJECT_NAME)
public class ProtectionMBeanImpl extends StandardMBean implements ProtectionMBean {

    @Reference
    ProtectionManager protection;

    public ProtectionMBeanImpl() throws NotCompliantMBeanException {
        super(ProtectionMBean.class);
    }

    @Override
    public TabularData getProtections() {
        return ProtectionStatusCodec.toTable(protection.list());
    }

    @Override
    public TabularData getMetrics() {
        return ProtectionMetricsCodec.toTable(protection.metrics());
    }

    @Override
    public String getStandbyListener() {
        StandbyListenerStatus s = protection.standbyListener();
        return s.message() + (s.restarts() > 0 ? " (restarted " + s.restarts() + " times)" : "");
    }

    @Override
    public boolean isStandbyListening() {
        return protection.standbyListener().state() == StandbyListenerStatus.State.LISTENING;
    }

    @Override
    public String[] getUnprotectedVms() {
        return protection.list().stream()
                .filter(s -> s.role() == ProtectionStatus.Role.PRIMARY && s.state() == ProtectionStatus.State.UNPROTECTED)
                .map(ProtectionStatus::vmName).toArray(String[]::new);
    }

    @Override
    public CompositeData protect(String vm, String standby) {
        try {
            return ProtectionStatusCodec.toComposite(protection.protect(vm, Endpoint.parse(standby)));
        } catch (ProtectionException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    @Override
    public void unprotect(String vm) {
        try {
            protection.unprotect(vm);
        } catch (ProtectionException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    @Override
    public CompositeData failover(String vm) {
        try {
            return ProtectionStatusCodec.toComposite(protection.failover(vm));
        } catch (ProtectionException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }
}
