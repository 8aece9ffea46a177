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

import org.kemari.api.management.ProtectionStatus;

/** Converts {@link ProtectionStatus} to JMX open types. */
public final class ProtectionStatusCodec {
    private static final String[] ITEMS = {"vm", "role", "state", "peer", "committedEpoch", "epochs", "heldOutputs",
        "lastPauseMicros", "medianPauseMicros", "checkpointPolicy", "transport", "message"};

    public static final CompositeType STATUS_TYPE;
    public static final TabularType TABLE_TYPE;

    static {
        try {
            STATUS_TYPE = new CompositeType("org.kemari.ProtectionStatus", "Protection of one VM as seen from this node", ITEMS,
                    new String[] {"VM name", "primary or standby", "synchronizing, protected, unprotected, failed-over, ended",
                        "the other node", "last epoch committed by the standby (-1: none)", "epochs since protection began",
                        "outputs waiting for an acknowledgement", "guest pause of the last epoch (µs)",
                        "median guest pause (µs)", "checkpoint policy in use", "transport in use", "what is happening"},
                    new OpenType<?>[] {SimpleType.STRING, SimpleType.STRING, SimpleType.STRING, SimpleType.STRING,
                        SimpleType.LONG, SimpleType.LONG, SimpleType.INTEGER, SimpleType.LONG, SimpleType.LONG,
                        SimpleType.STRING, SimpleType.STRING, SimpleType.STRING});
            TABLE_TYPE = new TabularType("org.kemari.Protections", "Protection relationships", STATUS_TYPE,
                    new String[] {"vm", "role"});
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ProtectionStatusCodec() {
    }

    public static CompositeData toComposite(ProtectionStatus s) {
        try {
            return new CompositeDataSupport(STATUS_TYPE, ITEMS, new Object[] {s.vmName(), lower(s.role()), lower(s.state()),
                s.peer(), s.committedEpoch(), s.epochs(), s.heldOutputs(), s.lastPauseMicros(), s.medianPauseMicros(),
                s.checkpointPolicy(), s.transport(), s.message()});
        } catch (OpenDataException e) {
            throw new IllegalStateException("ProtectionStatus does not fit its open type", e);
        }
    }

    public static TabularData toTable(List<ProtectionStatus> statuses) {
        TabularDataSupport table = new TabularDataSupport(TABLE_TYPE);
        statuses.forEach(s -> table.put(toComposite(s)));
        return table;
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase().replace('_', '-');
    }
}
