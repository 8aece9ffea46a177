package org.kemari.hv.xen.internal.sys;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;

import com.sun.jna.Pointer;

/** A libxenforeignmemory handle: maps a guest's frames into this process (needs privcmd). */
public final class ForeignMemoryHandle implements AutoCloseable {
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;

    private final XenForeignMemory fm;
    private Pointer handle;

    private ForeignMemoryHandle(XenForeignMemory fm, Pointer handle) {
        this.fm = fm;
        this.handle = handle;
    }

    public static ForeignMemoryHandle open() throws HypervisorException {
        XenForeignMemory fm = NativeLibraries.load(XenForeignMemory.class, XenForeignMemory.NAMES);
        Pointer h = fm.xenforeignmemory_open(null, 0);
        if (h == null) {
            throw new HypervisorException(Reason.UNAVAILABLE, NativeError.failed("xenforeignmemory_open").getMessage());
        }
        return new ForeignMemoryHandle(fm, h);
    }

    /** A mapping of {@code pages} frames at {@code address}; unmap with {@link #unmap}. */
    public record Mapping(Pointer address, int pages) {
    }

    /**
     * Maps the frames {@code gfns} of domain {@code domid} contiguously. The library reports per-frame
     * errors in {@code err[]}; any of them fails the whole call (and the mapping is released).
     */
    public Mapping map(int domid, int prot, long[] gfns) throws HypervisorException {
        if (gfns.length == 0) {
            throw new HypervisorException(Reason.INVALID_REQUEST, "xenforeignmemory_map of no frames");
        }
        int[] err = new int[gfns.length]; // the C array must have one slot per frame
        Pointer addr = fm.xenforeignmemory_map(live(), domid, prot, gfns.length, gfns, err);
        if (addr == null) {
            throw NativeError.failed("xenforeignmemory_map(domid " + domid + ", " + gfns.length + " frames)");
        }
        for (int i = 0; i < err.length; i++) {
            if (err[i] != 0) {
                fm.xenforeignmemory_unmap(handle, addr, gfns.length);
                throw NativeError.failed("xenforeignmemory_map(domid " + domid + ", gfn 0x" + Long.toHexString(gfns[i]) + ")",
                        Math.abs(err[i])); // Linux reports -errno here, the header says errno
            }
        }
        return new Mapping(addr, gfns.length);
    }

    public void unmap(Mapping m) throws HypervisorException {
        if (fm.xenforeignmemory_unmap(live(), m.address(), m.pages()) != 0) {
            throw NativeError.failed("xenforeignmemory_unmap(" + m.pages() + " frames)");
        }
    }

    @Override
    public void close() {
        if (handle != null) {
            fm.xenforeignmemory_close(handle);
            handle = null;
        }
    }

    private Pointer live() {
        if (handle == null) {
            throw new IllegalStateException("xenforeignmemory handle already closed");
        }
        return handle;
    }
}
