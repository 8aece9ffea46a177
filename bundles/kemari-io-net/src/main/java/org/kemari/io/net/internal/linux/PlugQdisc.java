package org.kemari.io.net.internal.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The kernel's {@code plug} qdisc (sch_plug, made for Remus) at the root of one interface: frames
 * queue until released. It keeps two buffers: the one being filled and the last one closed by
 * {@link #closeBuffer}; {@link #releaseClosed} lets the closed one out. Only one closed buffer may
 * wait at a time: closing another before releasing would merge their counts (see
 * {@code KernelNetCheckpointDevice}, which never does).
 */
public final class PlugQdisc {
    static final String KIND = "plug";
    private static final int TCQ_PLUG_BUFFER = 0;
    private static final int TCQ_PLUG_RELEASE_ONE = 1;
    private static final int TCQ_PLUG_RELEASE_INDEFINITE = 2;
    private static final int TCQ_PLUG_LIMIT = 3;

    private final RouteNetlink netlink;
    private final int ifindex;

    private PlugQdisc(RouteNetlink netlink, int ifindex) {
        this.netlink = netlink;
        this.ifindex = ifindex;
    }

    /**
     * Adds a plug qdisc as the interface's root: from now on every frame it would send is held.
     *
     * @param limitBytes frames beyond this backlog are dropped (as a full queue drops them)
     */
    public static PlugQdisc add(RouteNetlink netlink, int ifindex, int limitBytes) throws IOException {
        try {
            netlink.addRootQdisc(ifindex, KIND, options(TCQ_PLUG_LIMIT, limitBytes));
        } catch (IOException e) {
            throw new IOException("cannot hold frames with a plug qdisc (the kernel needs sch_plug, "
                    + "CONFIG_NET_SCH_PLUG): " + e.getMessage(), e);
        }
        return new PlugQdisc(netlink, ifindex);
    }

    /** Frames queued from now on go into a new buffer; the ones before wait for {@link #releaseClosed}. */
    public void closeBuffer() throws IOException {
        netlink.changeRootQdisc(ifindex, KIND, options(TCQ_PLUG_BUFFER, 0));
    }

    /** Lets out the frames of the last closed buffer. */
    public void releaseClosed() throws IOException {
        netlink.changeRootQdisc(ifindex, KIND, options(TCQ_PLUG_RELEASE_ONE, 0));
    }

    /** Lets out everything and stops holding. */
    public void releaseAll() throws IOException {
        netlink.changeRootQdisc(ifindex, KIND, options(TCQ_PLUG_RELEASE_INDEFINITE, 0));
    }

    /** {@code struct tc_plug_qopt {int action; __u32 limit;}}. */
    static byte[] options(int action, int limit) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(action).putInt(limit).array();
    }
}
