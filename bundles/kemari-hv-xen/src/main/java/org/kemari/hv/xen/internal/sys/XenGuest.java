package org.kemari.hv.xen.internal.sys;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * Raw binding of libxenguest (Xen 4.17): the migration stream. Callbacks run on the thread that
 * called {@code xc_domain_save}/{@code xc_domain_restore}. {@link XgHandle} is the checked wrapper.
 */
public interface XenGuest extends Library {

    String[] NAMES = {"xenguest", "libxenguest.so.4.17"};

    /** {@code int (*)(void *data)}: suspend, postcopy, checkpoint, wait_checkpoint. */
    interface DataCallback extends Callback {
        int invoke(Pointer data);
    }

    /** {@code int (*precopy_policy_t)(struct precopy_stats, void *)}. */
    interface PrecopyPolicy extends Callback {
        int invoke(PrecopyStats stats, Pointer data);
    }

    /** {@code int (*switch_qemu_logdirty)(uint32_t domid, unsigned enable, void *data)}. */
    interface LogdirtySwitch extends Callback {
        int invoke(int domid, int enable, Pointer data);
    }

    /** {@code int (*static_data_done)(unsigned int missing, void *data)}. */
    interface StaticDataDone extends Callback {
        int invoke(int missing, Pointer data);
    }

    /** {@code void (*restore_results)(xen_pfn_t store_gfn, xen_pfn_t console_gfn, void *data)}. */
    interface RestoreResults extends Callback {
        void invoke(long storeGfn, long consoleGfn, Pointer data);
    }

    /** {@code struct save_callbacks}, 56 bytes. */
    @Structure.FieldOrder({"suspend", "precopy_policy", "postcopy", "checkpoint", "wait_checkpoint",
            "switch_qemu_logdirty", "data"})
    class SaveCallbacks extends Structure {
        public static final int SIZE = 56;

        public DataCallback suspend;
        public PrecopyPolicy precopy_policy;
        public DataCallback postcopy;
        public DataCallback checkpoint;
        public DataCallback wait_checkpoint;
        public LogdirtySwitch switch_qemu_logdirty;
        public Pointer data;
    }

    /** {@code struct restore_callbacks}, 56 bytes. */
    @Structure.FieldOrder({"static_data_done", "suspend", "postcopy", "checkpoint", "wait_checkpoint",
            "restore_results", "data"})
    class RestoreCallbacks extends Structure {
        public static final int SIZE = 56;

        public StaticDataDone static_data_done;
        public DataCallback suspend;
        public DataCallback postcopy;
        public DataCallback checkpoint;
        public DataCallback wait_checkpoint;
        public RestoreResults restore_results;
        public Pointer data;
    }

    /**
     * {@code int xc_domain_save(xc_interface *xch, int io_fd, uint32_t dom, uint32_t flags,
     * struct save_callbacks *callbacks, xc_stream_type_t stream_type, int recv_fd)}.
     */
    int xc_domain_save(Pointer xch, int ioFd, int dom, int flags, SaveCallbacks callbacks, int streamType, int recvFd);

    /**
     * {@code int xc_domain_restore(xc_interface *xch, int io_fd, uint32_t dom, unsigned int store_evtchn,
     * unsigned long *store_mfn, uint32_t store_domid, unsigned int console_evtchn, unsigned long *console_mfn,
     * uint32_t console_domid, xc_stream_type_t stream_type, struct restore_callbacks *callbacks, int send_back_fd)}.
     */
    int xc_domain_restore(Pointer xch, int ioFd, int dom, int storeEvtchn, long[] storeMfn, int storeDomid,
                          int consoleEvtchn, long[] consoleMfn, int consoleDomid, int streamType,
                          RestoreCallbacks callbacks, int sendBackFd);

    /** {@code int xc_domain_resume(xc_interface *xch, uint32_t domid, int fast)}. */
    int xc_domain_resume(Pointer xch, int domid, int fast);
}
