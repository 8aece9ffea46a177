package org.kemari.management.internal;

import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import org.kemari.api.hv.BackendStatus;
import org.kemari.api.management.BackendRegistry;
import org.kemari.api.management.BackendsMBean;
import org.kemari.management.internal.codec.BackendStatusCodec;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The backend report over JMX; the Karaf management whiteboard registers it by its {@code jmx.objectname}. */
@Component(service = BackendsMBean.class, property = "jmx.objectname=" + BackendsMBean.OBJECT_NAME)
public class BackendsMBeanImpl extends StandardMBean implements BackendsMBean {

    @Reference
    BackendRegistry registry;

    public BackendsMBeanImpl() throws NotCompliantMBeanException {
        super(BackendsMBean.class);
    }

    @Override
    public TabularData getBackends() {
        return BackendStatusCodec.toTable(registry.probeAll());
    }

    @Override
    public String[] getUsableBackends() {
        return registry.probeAll().stream().filter(BackendStatus::usable).map(BackendStatus::backend)
                .toArray(String[]::new);
    }

    @Override
    public CompositeData probe(String name) {
        return BackendStatusCodec.toComposite(registry.probe(name));
    }
}
