package org.kemari.hv.xen.internal.sys;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * A connection to xenstored, checked. Used for cooperative suspend ({@code control/shutdown} =
 * "suspend"), introducing a restored domain, and watches. Strings the library returns are malloc'ed
 * and freed here.
 */
public final class XsHandle implements AutoCloseable {
    private final XenStore xs;
    private Pointer handle;

    private XsHandle(XenStore xs, Pointer handle) {
        this.xs = xs;
        this.handle = handle;
    }

    public static XsHandle open() throws HypervisorException {
        XenStore xs = NativeLibraries.load(XenStore.class, XenStore.NAMES);
        Pointer h = xs.xs_open(0);
        if (h == null) {
            throw new HypervisorException(Reason.UNAVAILABLE, NativeError.failed("xs_open").getMessage());
        }
        return new XsHandle(xs, h);
    }

    /** The node's value, or empty if it does not exist (ENOENT). */
    public Optional<String> read(String path) throws HypervisorException {
        int[] len = {0};
        Pointer p = xs.xs_read(live(), XenConstants.XBT_NULL, path, len);
        if (p == null) {
            int errno = Native.getLastError();
            if (errno == NativeError.ENOENT) {
                return Optional.empty();
            }
            throw NativeError.failed("xs_read(" + path + ")", errno);
        }
        try {
            return Optional.of(new String(p.getByteArray(0, len[0]), StandardCharsets.UTF_8));
        } finally {
            Native.free(Pointer.nativeValue(p));
        }
    }

    /**
     * Makes the ACL'd directories first (nodes take their permissions from their parent when they
     * are made, so an ACL set afterwards would not reach the entries), then writes every entry
     * (path to value, in the map's order), in one transaction: a watcher (netback's probe) sees the
     * whole device directory or none of it. Retried while xenstored reports a conflicting transaction.
     *
     * @param acls directory path to xs_permissions pairs: {owner, othersPerms[, id, perms]...}
     */
    public void writeAtomically(java.util.Map<String, String> entries, java.util.Map<String, int[]> acls)
            throws HypervisorException {
        for (int attempt = 0; attempt < 10; attempt++) {
            int t = xs.xs_transaction_start(live());
            if (t == XenConstants.XBT_NULL) {
                throw NativeError.failed("xs_transaction_start");
            }
            boolean ok = true;
            for (var a : acls.entrySet()) {
                ok &= xs.xs_write(live(), t, a.getKey(), new byte[0], 0) != 0;
                ok &= xs.xs_set_permissions(live(), t, a.getKey(), a.getValue(), a.getValue().length / 2) != 0;
            }
            for (var e : entries.entrySet()) {
                byte[] data = e.getValue().getBytes(StandardCharsets.UTF_8);
                ok &= xs.xs_write(live(), t, e.getKey(), data, data.length) != 0;
            }
            if (!ok) {
                HypervisorException failure = NativeError.failed("xenstore transaction writing " + entries.keySet());
                xs.xs_transaction_end(live(), t, (byte) 1);
                throw failure;
            }
            if (xs.xs_transaction_end(live(), t, (byte) 0) != 0) {
                return;
            }
            if (com.sun.jna.Native.getLastError() != 11) { // EAGAIN: another transaction won; try again
                throw NativeError.failed("xs_transaction_end");
            }
        }
        throw new HypervisorException(org.kemari.api.hv.HypervisorException.Reason.HOST_ERROR,
                "xenstore transaction kept conflicting: " + entries.keySet());
    }

    public void write(String path, String value) throws HypervisorException {
        byte[] data = value.getBytes(StandardCharsets.UTF_8);
        if (xs.xs_write(live(), XenConstants.XBT_NULL, path, data, data.length) == 0) {
            throw NativeError.failed("xs_write(" + path + ")");
        }
    }

    /**
     * Makes {@code owner} the node's owner (full access) with {@code othersPerms} (XS_PERM_* bits) for
     * everyone else, as libxl does for a domain's own subtree.
     */
    public void setPermissions(String path, int owner, int othersPerms) throws HypervisorException {
        int[] perms = {owner, othersPerms}; // the first entry names the owner and the default for others
        if (xs.xs_set_permissions(live(), XenConstants.XBT_NULL, path, perms, 1) == 0) {
            throw NativeError.failed("xs_set_permissions(" + path + ")");
        }
    }

    public void remove(String path) throws HypervisorException {
        if (xs.xs_rm(live(), XenConstants.XBT_NULL, path) == 0) {
            throw NativeError.failed("xs_rm(" + path + ")");
        }
    }

    /** The children's names, empty if the node does not exist. */
    public List<String> directory(String path) throws HypervisorException {
        int[] num = {0};
        Pointer p = xs.xs_directory(live(), XenConstants.XBT_NULL, path, num);
        if (p == null) {
            int errno = Native.getLastError();
            if (errno == NativeError.ENOENT) {
                return List.of();
            }
            throw NativeError.failed("xs_directory(" + path + ")", errno);
        }
        try {
            return strings(p, num[0]);
        } finally {
            Native.free(Pointer.nativeValue(p)); // one allocation holds the array and the strings
        }
    }

    public void watch(String path, String token) throws HypervisorException {
        if (xs.xs_watch(live(), path, token) == 0) {
            throw NativeError.failed("xs_watch(" + path + ")");
        }
    }

    public void unwatch(String path, String token) throws HypervisorException {
        if (xs.xs_unwatch(live(), path, token) == 0) {
            throw NativeError.failed("xs_unwatch(" + path + ")");
        }
    }

    /** Blocks until a watch fires; returns {path, token}. */
    public String[] readWatch() throws HypervisorException {
        int[] num = {0};
        Pointer p = xs.xs_read_watch(live(), num);
        if (p == null) {
            throw NativeError.failed("xs_read_watch");
        }
        try {
            List<String> v = strings(p, num[0]);
            return new String[] {v.get(XenConstants.XS_WATCH_PATH), v.get(XenConstants.XS_WATCH_TOKEN)};
        } finally {
            Native.free(Pointer.nativeValue(p));
        }
    }

    /** The file descriptor that becomes readable when a watch fires. */
    public int fileno() {
        return xs.xs_fileno(live());
    }

    /** Tells xenstored about a new (e.g. restored) domain's store page and event channel. */
    public void introduceDomain(int domid, long storeMfn, int storeEvtchn) throws HypervisorException {
        if (xs.xs_introduce_domain(live(), domid, storeMfn, storeEvtchn) == 0) {
            throw NativeError.failed("xs_introduce_domain(domid " + domid + ")");
        }
    }

    /** After a checkpoint's suspend: xenstored resumes talking to the domain. */
    public void resumeDomain(int domid) throws HypervisorException {
        if (xs.xs_resume_domain(live(), domid) == 0) {
            throw NativeError.failed("xs_resume_domain(domid " + domid + ")");
        }
    }

    public void releaseDomain(int domid) throws HypervisorException {
        if (xs.xs_release_domain(live(), domid) == 0) {
            throw NativeError.failed("xs_release_domain(domid " + domid + ")");
        }
    }

    public String domainPath(int domid) throws HypervisorException {
        Pointer p = xs.xs_get_domain_path(live(), domid);
        if (p == null) {
            throw NativeError.failed("xs_get_domain_path(domid " + domid + ")");
        }
        try {
            return p.getString(0, StandardCharsets.UTF_8.name());
        } finally {
            Native.free(Pointer.nativeValue(p));
        }
    }

    @Override
    public void close() {
        if (handle != null) {
            xs.xs_close(handle);
            handle = null;
        }
    }

    private Pointer live() {
        if (handle == null) {
            throw new IllegalStateException("xenstore handle already closed");
        }
        return handle;
    }

    private static List<String> strings(Pointer array, int n) {
        List<String> out = new ArrayList<>(n);
        for (Pointer s : array.getPointerArray(0, n)) {
            out.add(s.getString(0, StandardCharsets.UTF_8.name()));
        }
        return out;
    }
}
