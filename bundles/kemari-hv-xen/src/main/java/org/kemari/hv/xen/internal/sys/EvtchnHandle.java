package org.kemari.hv.xen.internal.sys;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;

import com.sun.jna.Pointer;

/** A libxenevtchn handle, checked: bind to a guest's event channel, notify it, wait for it. */
public final class EvtchnHandle implements AutoCloseable {
    private final XenEvtchn ev;
    private Pointer handle;

    private EvtchnHandle(XenEvtchn ev, Pointer handle) {
        this.ev = ev;
        this.handle = handle;
    }

    public static EvtchnHandle open() throws HypervisorException {
        XenEvtchn ev = NativeLibraries.load(XenEvtchn.class, XenEvtchn.NAMES);
        Pointer h = ev.xenevtchn_open(null, 0);
        if (h == null) {
            throw new HypervisorException(Reason.UNAVAILABLE, NativeError.failed("xenevtchn_open").getMessage());
        }
        return new EvtchnHandle(ev, h);
    }

    /** The fd to poll: readable when a bound port is pending. */
    public int fd() {
        return ev.xenevtchn_fd(live());
    }

    /** Binds {@code remotePort} of {@code domid} to a new local port, returned. */
    public int bindInterdomain(int domid, int remotePort) throws HypervisorException {
        int port = ev.xenevtchn_bind_interdomain(live(), domid, remotePort);
        if (port < 0) {
            throw NativeError.failed("xenevtchn_bind_interdomain(domid " + domid + ", port " + remotePort + ")");
        }
        return port;
    }

    public void notify(int localPort) throws HypervisorException {
        check(ev.xenevtchn_notify(live(), localPort), "xenevtchn_notify", localPort);
    }

    /** Blocks until a bound port is pending and returns it; unmask it after handling. */
    public int pending() throws HypervisorException {
        int port = ev.xenevtchn_pending(live());
        if (port < 0) {
            throw NativeError.failed("xenevtchn_pending");
        }
        return port;
    }

    public void unmask(int localPort) throws HypervisorException {
        check(ev.xenevtchn_unmask(live(), localPort), "xenevtchn_unmask", localPort);
    }

    public void unbind(int localPort) throws HypervisorException {
        check(ev.xenevtchn_unbind(live(), localPort), "xenevtchn_unbind", localPort);
    }

    @Override
    public void close() {
        if (handle != null) {
            ev.xenevtchn_close(handle);
            handle = null;
        }
    }

    private Pointer live() {
        if (handle == null) {
            throw new IllegalStateException("xenevtchn handle already closed");
        }
        return handle;
    }

    private static void check(int rc, String call, int port) throws HypervisorException {
        if (rc < 0) {
            throw NativeError.failed(call + "(port " + port + ")");
        }
    }
}
