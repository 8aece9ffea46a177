package org.kemari.management.internal.codec;

import java.util.List;

import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularData;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;

import org.kemari.api.hv.BackendStatus;

/** Converts {@link BackendStatus} to JMX open types, readable by any JMX console. */
public final class BackendStatusCodec {

    public static final CompositeType BACKEND_TYPE;
    public static final TabularType BACKENDS_TYPE;

    static {
        try {
            BACKEND_TYPE = new CompositeType("org.kemari.BackendStatus", "A hypervisor backend's probe result",
                    new String[] {"name", "usable", "reason", "details"},
                    new String[] {"backend name", "whether VMs can run on it here", "why (one line)",
                        "probe steps, one 'ok|FAIL check: value' line each"},
                    new OpenType<?>[] {SimpleType.STRING, SimpleType.BOOLEAN, SimpleType.STRING,
                        new javax.management.openmbean.ArrayType<String[]>(1, SimpleType.STRING)});
            BACKENDS_TYPE = new TabularType("org.kemari.Backends", "Hypervisor backends", BACKEND_TYPE,
                    new String[] {"name"});
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private BackendStatusCodec() {
    }

    public static CompositeData toComposite(BackendStatus status) {
        String[] details = status.details().stream()
                .map(d -> (d.ok() ? "ok" : "FAIL") + " " + d.check() + ": " + d.value())
                .toArray(String[]::new);
        try {
            return new CompositeDataSupport(BACKEND_TYPE, new String[] {"name", "usable", "reason", "details"},
                    new Object[] {status.backend(), status.usable(), status.reason(), details});
        } catch (OpenDataException e) {
            throw new IllegalStateException("BackendStatus does not fit its open type", e);
        }
    }

    public static TabularData toTable(List<BackendStatus> statuses) {
        TabularDataSupport table = new TabularDataSupport(BACKENDS_TYPE);
        for (BackendStatus s : statuses) {
            table.put(toComposite(s));
        }
        return table;
    }
}
