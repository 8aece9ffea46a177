package org.kemari.io.net.internal.linux;

import java.io.IOException;
import java.util.List;

/**
 * Holds every frame that arrives on one host interface from its guest (a Xen vif: the guest's
 * transmissions are the vif's ingress), the way Remus does: an ingress filter redirects them to an
 * ifb device whose root is a {@link PlugQdisc}. Frames then leave, on their original way, only when
 * the plug releases them.
 *
 * <pre>
 * ip link add IFB type ifb; ip link set IFB up; [plug qdisc on IFB over rtnetlink]
 * tc qdisc add dev IF handle ffff: ingress
 * tc filter add dev IF parent ffff: matchall action mirred egress redirect dev IFB
 * </pre>
 */
public final class KernelFrameHold implements FrameHold {
    /** Backlog of the plug before it drops frames: ~11,000 full-size frames. */
    static final int LIMIT_BYTES = 16 << 20;

    private final String iface;
    private final String ifb;
    private final int ifbIndex;
    private final RouteNetlink netlink;
    private final PlugQdisc plug;
    private boolean closed;

    private KernelFrameHold(String iface, String ifb, int ifbIndex, RouteNetlink netlink, PlugQdisc plug) {
        this.iface = iface;
        this.ifb = ifb;
        this.ifbIndex = ifbIndex;
        this.netlink = netlink;
        this.plug = plug;
    }

    /** The ifb device name for {@code iface}: stable (a stale one from a crashed run is replaced), at most 15 chars. */
    public static String ifbName(String iface) {
        return "kmr" + Integer.toHexString(iface.hashCode());
    }

    /** Starts holding {@code iface}'s incoming frames; everything from now on waits for a release. */
    public static KernelFrameHold start(String iface) throws IOException {
        RouteNetlink.interfaceIndex(iface); // a clear error for a missing interface, before anything is made
        String ifb = ifbName(iface);
        IpCommands.runQuietly(teardownCommands(iface, ifb));
        RouteNetlink netlink = RouteNetlink.open();
        try {
            IpCommands.run("ip", "link", "add", ifb, "type", "ifb");
            IpCommands.run("ip", "link", "set", ifb, "up");
            int ifbIndex = RouteNetlink.interfaceIndex(ifb);
            PlugQdisc plug = PlugQdisc.add(netlink, ifbIndex, LIMIT_BYTES);
            IpCommands.run("tc", "qdisc", "add", "dev", iface, "handle", "ffff:", "ingress");
            IpCommands.run("tc", "filter", "add", "dev", iface, "parent", "ffff:", "matchall",
                    "action", "mirred", "egress", "redirect", "dev", ifb);
            return new KernelFrameHold(iface, ifb, ifbIndex, netlink, plug);
        } catch (IOException | RuntimeException e) {
            IpCommands.runQuietly(teardownCommands(iface, ifb));
            netlink.close();
            throw new IOException("cannot hold the frames of " + iface + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String iface() {
        return iface;
    }

    /** Frames waiting in the hold now. */
    @Override
    public long queued() throws IOException {
        return netlink.rootQueueLength(ifbIndex);
    }

    /** Frames from now on go into a new buffer. */
    @Override
    public void closeBuffer() throws IOException {
        plug.closeBuffer();
    }

    /** Lets out the last closed buffer. */
    @Override
    public void releaseClosed() throws IOException {
        plug.releaseClosed();
    }

    /**
     * Ends the hold. {@code release}: what is held goes out first (the VM runs on unprotected);
     * otherwise it is dropped with the ifb device (the VM is gone; its copy sends again).
     */
    @Override
    public synchronized void close(boolean release) {
        if (closed) {
            return;
        }
        closed = true;
        if (release) {
            try {
                plug.releaseAll();
                IpCommands.run("tc", "qdisc", "del", "dev", iface, "handle", "ffff:", "ingress");
                drain();
            } catch (IOException e) {
                // the interface went away with its VM: nothing left to let out
            }
        }
        IpCommands.runQuietly(teardownCommands(iface, ifb));
        netlink.close();
    }

    /** Waits (up to 1 s) for released frames to leave the ifb before it is deleted. */
    private void drain() throws IOException {
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (queued() > 0 && System.nanoTime() < deadline) {
            sleepMillis(1);
        }
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String[]> teardownCommands(String iface, String ifb) {
        return List.of(new String[] {"tc", "qdisc", "del", "dev", iface, "handle", "ffff:", "ingress"},
                new String[] {"ip", "link", "del", ifb});
    }
}
