package org.kemari.hv.xen.internal.sys;

import com.sun.jna.Structure;

/** {@code struct precopy_stats}, 24 bytes, passed by value to the precopy policy callback. */
@Structure.FieldOrder({"iteration", "total_written", "dirty_count"})
public class PrecopyStats extends Structure implements Structure.ByValue {
    public static final int SIZE = 24;

    public int iteration;
    public long total_written;
    /** -1 if unknown. */
    public long dirty_count;
}
