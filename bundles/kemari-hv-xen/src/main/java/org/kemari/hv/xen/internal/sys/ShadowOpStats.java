package org.kemari.hv.xen.internal.sys;

import com.sun.jna.Structure;

/** {@code xc_shadow_op_stats_t} ({@code struct xen_domctl_shadow_op_stats}), 8 bytes. */
@Structure.FieldOrder({"fault_count", "dirty_count"})
public class ShadowOpStats extends Structure {
    public static final int SIZE = 8;

    public int fault_count;
    public int dirty_count;
}
