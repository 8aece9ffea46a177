package org.kemari.hv.xen.internal.sys;

import com.sun.jna.Library;
import com.sun.jna.Pointer;

/** Raw binding of libxenforeignmemory: map a guest's pages into this process. Wrapper: {@link ForeignMemoryHandle}. */
public interface XenForeignMemory extends Library {

    String[] NAMES = {"xenforeignmemory", "libxenforeignmemory.so.1"};

    /** {@code xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *logger, unsigned open_flags)}. */
    Pointer xenforeignmemory_open(Pointer logger, int openFlags);

    /** {@code int xenforeignmemory_close(xenforeignmemory_handle *fmem)}. */
    int xenforeignmemory_close(Pointer fmem);

    /**
     * {@code void *xenforeignmemory_map(xenforeignmemory_handle *fmem, uint32_t dom, int prot, size_t pages,
     * const xen_pfn_t arr[], int err[])}.
     */
    Pointer xenforeignmemory_map(Pointer fmem, int dom, int prot, long pages, long[] arr, int[] err);

    /** {@code int xenforeignmemory_unmap(xenforeignmemory_handle *fmem, void *addr, size_t pages)}. */
    int xenforeignmemory_unmap(Pointer fmem, Pointer addr, long pages);
}
