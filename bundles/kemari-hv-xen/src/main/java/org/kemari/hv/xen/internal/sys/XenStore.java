package org.kemari.hv.xen.internal.sys;

import com.sun.jna.Library;
import com.sun.jna.Pointer;

/**
 * Raw binding of libxenstore (Xen 4.17). C {@code bool} results are one byte and are declared
 * {@code byte} (a Java boolean would read the whole register). Strings returned by the library are
 * malloc'ed: the caller frees them. Wrapper: {@link XsHandle}.
 */
public interface XenStore extends Library {

    String[] NAMES = {"xenstore", "libxenstore.so.4"};

    /** {@code struct xs_handle *xs_open(unsigned long flags)}. */
    Pointer xs_open(long flags);

    /** {@code void xs_close(struct xs_handle *xsh)}. */
    void xs_close(Pointer xsh);

    /** {@code void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)}. */
    Pointer xs_read(Pointer h, int t, String path, int[] len);

    /** {@code bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data, unsigned int len)}. */
    byte xs_write(Pointer h, int t, String path, byte[] data, int len);

    /** {@code xs_transaction_t xs_transaction_start(struct xs_handle *h)}; 0 (XBT_NULL) on failure. */
    int xs_transaction_start(Pointer h);

    /** {@code bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)}; false with EAGAIN: retry. */
    byte xs_transaction_end(Pointer h, int t, byte abort);

    /** {@code bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)}. */
    byte xs_rm(Pointer h, int t, String path);

    /** {@code char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *num)}. */
    Pointer xs_directory(Pointer h, int t, String path, int[] num);

    /**
     * {@code bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
     * struct xs_permissions *perms, unsigned int num_perms)}; {@code struct xs_permissions} is
     * {unsigned int id; unsigned int perms}, so {@code perms} holds id/perms pairs.
     */
    byte xs_set_permissions(Pointer h, int t, String path, int[] perms, int numPerms);

    /** {@code bool xs_watch(struct xs_handle *h, const char *path, const char *token)}. */
    byte xs_watch(Pointer h, String path, String token);

    /** {@code bool xs_unwatch(struct xs_handle *h, const char *path, const char *token)}. */
    byte xs_unwatch(Pointer h, String path, String token);

    /** {@code int xs_fileno(struct xs_handle *h)}. */
    int xs_fileno(Pointer h);

    /** {@code char **xs_read_watch(struct xs_handle *h, unsigned int *num)}: blocks until a watch fires. */
    Pointer xs_read_watch(Pointer h, int[] num);

    /** {@code bool xs_introduce_domain(struct xs_handle *h, unsigned int domid, unsigned long mfn, unsigned int eventchn)}. */
    byte xs_introduce_domain(Pointer h, int domid, long mfn, int eventchn);

    /** {@code bool xs_resume_domain(struct xs_handle *h, unsigned int domid)}. */
    byte xs_resume_domain(Pointer h, int domid);

    /** {@code bool xs_release_domain(struct xs_handle *h, unsigned int domid)}. */
    byte xs_release_domain(Pointer h, int domid);

    /** {@code char *xs_get_domain_path(struct xs_handle *h, unsigned int domid)}. */
    Pointer xs_get_domain_path(Pointer h, int domid);
}
