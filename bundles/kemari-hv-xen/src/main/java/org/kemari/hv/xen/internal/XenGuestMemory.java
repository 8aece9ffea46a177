package org.kemari.hv.xen.internal;

import java.nio.ByteBuffer;

import org.kemari.api.hv.GuestMemory;
import org.kemari.api.hv.HypervisorException;
import org.kemari.hv.xen.internal.sys.ForeignMemoryHandle;

import com.sun.jna.Pointer;

/**
 * A Xen guest's RAM through foreign mappings, page by page. RAM offset = gfn: true for PVH guests
 * whose RAM lies below the low-memory hole (libxl puts up to ~3.75 GiB there), which
 * {@link XenVm#adopt} checks.
 */
final class XenGuestMemory implements GuestMemory {
    private final ForeignMemoryHandle fm;
    private final int domid;
    private final long size;

    XenGuestMemory(ForeignMemoryHandle fm, int domid, long size) {
        this.fm = fm;
        this.domid = domid;
        this.size = size;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        copy(offset, dst, false);
    }

    @Override
    public void write(long offset, ByteBuffer src) {
        copy(offset, src, true);
    }

    private void copy(long offset, ByteBuffer buf, boolean toGuest) {
        if (offset < 0 || offset + buf.remaining() > size) {
            throw new IndexOutOfBoundsException("RAM range " + offset + "+" + buf.remaining() + " outside " + size);
        }
        while (buf.hasRemaining()) {
            long gfn = offset / PAGE_SIZE;
            int inPage = (int) (offset % PAGE_SIZE);
            int n = Math.min(buf.remaining(), PAGE_SIZE - inPage);
            ForeignMemoryHandle.Mapping m = map(gfn, toGuest);
            try {
                Pointer p = m.address().share(inPage);
                byte[] tmp = new byte[n];
                if (toGuest) {
                    buf.get(tmp);
                    p.write(0, tmp, 0, n);
                } else {
                    p.read(0, tmp, 0, n);
                    buf.put(tmp);
                }
            } finally {
                unmap(m);
            }
            offset += n;
        }
    }

    private ForeignMemoryHandle.Mapping map(long gfn, boolean writable) {
        try {
            int prot = ForeignMemoryHandle.PROT_READ | (writable ? ForeignMemoryHandle.PROT_WRITE : 0);
            return fm.map(domid, prot, new long[] {gfn});
        } catch (HypervisorException e) {
            throw new IllegalStateException(e.getMessage(), e); // MemoryImage methods cannot throw checked
        }
    }

    private void unmap(ForeignMemoryHandle.Mapping m) {
        try {
            fm.unmap(m);
        } catch (HypervisorException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
