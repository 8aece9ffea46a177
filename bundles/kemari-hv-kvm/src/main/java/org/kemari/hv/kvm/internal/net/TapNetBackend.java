package org.kemari.hv.kvm.internal.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Linux TAP device as a NIC backend: frames the guest sends are written to the TAP fd (the host
 * sees them arrive on the interface), frames the host sends out of the interface are read by a
 * reader thread and handed to the receiver. Opens {@code /dev/net/tun} with
 * {@code TUNSETIFF IFF_TAP|IFF_NO_PI}: this creates the device if absent (and brings it up, since
 * it is ours) or attaches to an existing one, e.g. made by {@code ip tuntap add mode tap}.
 */
public final class TapNetBackend implements NetBackend {
    private static final Logger LOG = LoggerFactory.getLogger(TapNetBackend.class);
    private static final String TUN_PATH = "/dev/net/tun";
    /** Larger than any frame a TAP hands out (64 KiB GSO frames are not enabled). */
    private static final int MAX_FRAME = 65536;
    /** How often the reader looks at the closing flag while idle. */
    private static final int POLL_MILLIS = 100;

    private final String ifname;
    private final int fd;
    private final Memory sendBuffer = new Memory(MAX_FRAME);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread reader;
    private volatile FrameReceiver receiver;
    private volatile boolean closing;
    private boolean closed;

    private TapNetBackend(String ifname, int fd) {
        this.ifname = ifname;
        this.fd = fd;
        this.reader = new Thread(this::readLoop, "kemari-tap-" + ifname);
        this.reader.setDaemon(true);
    }

    /** Opens or creates the TAP device {@code ifname} and starts its reader thread. */
    public static TapNetBackend open(String ifname) throws IOException {
        boolean existed = Files.exists(Path.of("/sys/class/net", ifname));
        int fd = openTunDevice();
        try {
            attach(fd, ifname, existed);
            if (!existed) {
                bringUp(ifname);
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(fd);
            throw e;
        }
        TapNetBackend tap = new TapNetBackend(ifname, fd);
        tap.reader.start();
        LOG.info("TAP {} {}", ifname, existed ? "attached" : "created");
        return tap;
    }

    private static int openTunDevice() throws IOException {
        if (!Files.exists(Path.of(TUN_PATH))) {
            throw new IOException("cannot use TAP devices: " + TUN_PATH + " does not exist (is the tun module loaded?)");
        }
        try {
            return TapLibC.INSTANCE.open(TUN_PATH, TapLibC.O_RDWR | TapLibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw switch (e.getErrorCode()) {
                case 1, 13 -> new IOException("permission denied opening " + TUN_PATH
                        + " (run as root or give the process access to the device node)", e);
                case 2, 6, 19 -> new IOException("cannot use TAP devices: " + TUN_PATH
                        + " has no driver (is the tun module loaded?)", e);
                default -> new IOException("opening " + TUN_PATH + " failed: errno " + e.getErrorCode(), e);
            };
        }
    }

    /**
     * How long an attach waits for a busy device: after a failover the dead primary's process may
     * still be exiting and holding the TAP for a few hundred milliseconds.
     */
    static final long BUSY_WAIT_MILLIS = 3_000;

    private static void attach(int fd, String ifname, boolean existed) throws IOException {
        long deadline = System.nanoTime() + BUSY_WAIT_MILLIS * 1_000_000;
        while (true) {
            try {
                attachOnce(fd, ifname, existed);
                return;
            } catch (IOException e) {
                boolean busy = e.getCause() instanceof LastErrorException le && le.getErrorCode() == 16;
                if (!busy || System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.debug("TAP {} is busy; waiting for its previous holder to let go", ifname);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static void attachOnce(int fd, String ifname, boolean existed) throws IOException {
        short flags = (short) (TapLibC.IFF_TAP | TapLibC.IFF_NO_PI);
        try {
            setIff(fd, ifname, flags);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == 22 && existed) {
                // A device made with 'ip tuntap add ... multi_queue' accepts only multi-queue attaches.
                try {
                    setIff(fd, ifname, (short) (flags | TapLibC.IFF_MULTI_QUEUE));
                    return;
                } catch (LastErrorException retry) {
                    throw attachError(ifname, existed, retry);
                }
            }
            throw attachError(ifname, existed, e);
        }
    }

    private static void setIff(int fd, String ifname, short flags) {
        try (Memory ifr = ifreq(ifname)) {
            ifr.setShort(TapLibC.IFNAMSIZ, flags);
            TapLibC.INSTANCE.ioctl(fd, TapLibC.TUNSETIFF, ifr);
        }
    }

    private static IOException attachError(String ifname, boolean existed, LastErrorException e) {
        return switch (e.getErrorCode()) {
            case 16 -> new IOException("TAP device " + ifname + " is busy: another process has it open", e);
            case 1, 13 -> new IOException("not permitted to " + (existed ? "attach to" : "create") + " TAP device "
                    + ifname + " (needs CAP_NET_ADMIN, or the device belongs to another user or group)", e);
            case 22 -> new IOException("interface " + ifname + " exists but is not a TAP device this process can attach to"
                    + " (a TUN device, or made with other flags)", e);
            default -> new IOException("TUNSETIFF for " + ifname + " failed: errno " + e.getErrorCode(), e);
        };
    }

    /** Sets IFF_UP on a device we created, as {@code ip link set up} would. */
    private static void bringUp(String ifname) throws IOException {
        int sock;
        try {
            sock = TapLibC.INSTANCE.socket(TapLibC.AF_INET, TapLibC.SOCK_DGRAM, 0);
        } catch (LastErrorException e) {
            throw new IOException("cannot bring TAP " + ifname + " up: socket() failed: errno " + e.getErrorCode(), e);
        }
        try (Memory ifr = ifreq(ifname)) {
            TapLibC.INSTANCE.ioctl(sock, TapLibC.SIOCGIFFLAGS, ifr);
            ifr.setShort(TapLibC.IFNAMSIZ, (short) (ifr.getShort(TapLibC.IFNAMSIZ) | TapLibC.IFF_UP));
            TapLibC.INSTANCE.ioctl(sock, TapLibC.SIOCSIFFLAGS, ifr);
        } catch (LastErrorException e) {
            throw new IOException("cannot bring TAP " + ifname + " up: errno " + e.getErrorCode(), e);
        } finally {
            closeQuietly(sock);
        }
    }

    private static Memory ifreq(String ifname) {
        Memory ifr = new Memory(TapLibC.IFREQ_SIZE);
        ifr.clear();
        byte[] name = ifname.getBytes(StandardCharsets.US_ASCII);
        ifr.write(0, name, 0, Math.min(name.length, TapLibC.IFNAMSIZ - 1));
        return ifr;
    }

    @Override
    public void send(byte[] frame) throws IOException {
        if (frame.length > MAX_FRAME) {
            throw new IOException("frame of " + frame.length + " bytes is too large for TAP " + ifname);
        }
        synchronized (sendBuffer) {
            if (closing) {
                throw new IOException("TAP " + ifname + " is closed");
            }
            sendBuffer.write(0, frame, 0, frame.length);
            try {
                TapLibC.INSTANCE.write(fd, sendBuffer, frame.length);
            } catch (LastErrorException e) {
                throw new IOException("sending a frame on TAP " + ifname + " failed: errno " + e.getErrorCode()
                        + (e.getErrorCode() == 5 ? " (is the interface down?)" : ""), e);
            }
        }
    }

    private void readLoop() {
        try (Memory pollfd = new Memory(TapLibC.POLLFD_SIZE); Memory buffer = new Memory(MAX_FRAME)) {
            pollfd.setInt(0, fd);
            pollfd.setShort(4, TapLibC.POLLIN);
            while (!closing) {
                pollfd.setShort(6, (short) 0);
                long n;
                try {
                    if (TapLibC.INSTANCE.poll(pollfd, 1, POLL_MILLIS) == 0) {
                        continue;
                    }
                    n = TapLibC.INSTANCE.read(fd, buffer, MAX_FRAME);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == TapLibC.EINTR || e.getErrorCode() == TapLibC.EAGAIN) {
                        continue;
                    }
                    throw e;
                }
                if (n > 0) {
                    deliver(buffer.getByteArray(0, (int) n));
                }
            }
        } catch (LastErrorException e) {
            if (!closing) {
                LOG.error("TAP {}: reading frames failed (errno {}); the NIC receives nothing more", ifname, e.getErrorCode(), e);
            }
        } catch (RuntimeException e) {
            LOG.error("TAP {}: the frame receiver failed; the NIC receives nothing more", ifname, e);
        }
    }

    private void deliver(byte[] frame) {
        FrameReceiver r = receiver;
        if (r == null) {
            dropped.incrementAndGet();
        } else {
            r.receive(frame);
        }
    }

    @Override
    public void setReceiver(FrameReceiver receiver) {
        this.receiver = receiver;
    }

    @Override
    public long droppedFrames() {
        return dropped.get();
    }

    @Override
    public String describe() {
        return "tap:" + ifname;
    }

    @Override
    public void close() {
        synchronized (sendBuffer) {
            if (closed) {
                return;
            }
            closed = true;
            closing = true;
        }
        receiver = null;
        try {
            reader.join(5L * POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (reader.isAlive()) {
            LOG.warn("TAP {}: reader thread did not stop; closing the fd anyway", ifname);
        }
        closeQuietly(fd);
        sendBuffer.close();
        LOG.info("TAP {} closed", ifname);
    }

    private static void closeQuietly(int fd) {
        try {
            TapLibC.INSTANCE.close(fd);
        } catch (LastErrorException e) {
            LOG.warn("closing fd {} failed: errno {}", fd, e.getErrorCode());
        }
    }
}
