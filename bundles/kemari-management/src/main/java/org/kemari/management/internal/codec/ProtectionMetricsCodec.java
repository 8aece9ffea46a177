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

import org.kemari.api.management.Distribution;
import org.kemari.api.management.ProtectionMetrics;

/** Converts {@link ProtectionMetrics} to JMX open types: one row per VM and role, a composite per distribution. */
public final class ProtectionMetricsCodec {
    private static final String[] DISTRIBUTION_ITEMS = {"count", "p50", "p90", "p99", "max"};
    private static final String[] ITEMS = {"vm", "role", "epochs", "bytes", "outputsHeld", "outputsReleased", "failovers",
        "pauseMicros", "ackLatencyMicros", "epochBytes", "outputHoldMicros"};

    public static final CompositeType DISTRIBUTION_TYPE;
    public static final CompositeType METRICS_TYPE;
    public static final TabularType TABLE_TYPE;

    static {
        try {
            DISTRIBUTION_TYPE = new CompositeType("org.kemari.Distribution", "Values recorded since protection started",
                    DISTRIBUTION_ITEMS, new String[] {"values recorded", "median", "90th percentile", "99th percentile", "largest"},
                    new OpenType<?>[] {SimpleType.LONG, SimpleType.LONG, SimpleType.LONG, SimpleType.LONG, SimpleType.LONG});
            METRICS_TYPE = new CompositeType("org.kemari.ProtectionMetrics", "Counters and distributions of one protection",
                    ITEMS, new String[] {"VM name", "primary or standby", "epochs captured (primary) or committed (standby)",
                        "stream bytes sent (primary) or received (standby)", "outputs held", "held outputs released",
                        "takeovers by this node", "guest pause per epoch (µs)",
                        "guest resume to the standby's acknowledgement (µs)", "bytes per epoch",
                        "hold time of each epoch's oldest output (µs)"},
                    new OpenType<?>[] {SimpleType.STRING, SimpleType.STRING, SimpleType.LONG, SimpleType.LONG, SimpleType.LONG,
                        SimpleType.LONG, SimpleType.LONG, DISTRIBUTION_TYPE, DISTRIBUTION_TYPE, DISTRIBUTION_TYPE,
                        DISTRIBUTION_TYPE});
            TABLE_TYPE = new TabularType("org.kemari.ProtectionMetricsTable", "Metrics of every protection relationship",
                    METRICS_TYPE, new String[] {"vm", "role"});
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ProtectionMetricsCodec() {
    }

    public static CompositeData toComposite(ProtectionMetrics m) {
        try {
            return new CompositeDataSupport(METRICS_TYPE, ITEMS, new Object[] {m.vmName(), m.role().name().toLowerCase(),
                m.epochs(), m.bytes(), m.outputsHeld(), m.outputsReleased(), m.failovers(), toComposite(m.pauseMicros()),
                toComposite(m.ackLatencyMicros()), toComposite(m.epochBytes()), toComposite(m.outputHoldMicros())});
        } catch (OpenDataException e) {
            throw new IllegalStateException("ProtectionMetrics does not fit its open type", e);
        }
    }

    public static TabularData toTable(List<ProtectionMetrics> metrics) {
        TabularDataSupport table = new TabularDataSupport(TABLE_TYPE);
        metrics.forEach(m -> table.put(toComposite(m)));
        return table;
    }

    private static CompositeData toComposite(Distribution d) throws OpenDataException {
        return new CompositeDataSupport(DISTRIBUTION_TYPE, DISTRIBUTION_ITEMS,
                new Object[] {d.count(), d.p50(), d.p90(), d.p99(), d.max()});
    }
}
