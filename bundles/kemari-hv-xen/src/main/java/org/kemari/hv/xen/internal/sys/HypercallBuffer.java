package org.kemari.hv.xen.internal.sys;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code xc_hypercall_buffer_t}, 40 bytes. libxenctrl's macros declare one per buffer with
 * {@code ubuf = (void *)-1} (a sentinel for "not bounced"); {@link #unbounced()} does the same.
 */
@Structure.FieldOrder({"hbuf", "param_shadow", "dir", "ubuf", "sz"})
public class HypercallBuffer extends Structure {
    public static final int SIZE = 40;

    public Pointer hbuf;
    public Pointer param_shadow;
    public int dir;
    public Pointer ubuf;
    public long sz;

    /** What {@code DECLARE_HYPERCALL_BUFFER} initialises. */
    public static HypercallBuffer unbounced() {
        HypercallBuffer b = new HypercallBuffer();
        b.ubuf = new Pointer(-1L);
        return b;
    }
}
