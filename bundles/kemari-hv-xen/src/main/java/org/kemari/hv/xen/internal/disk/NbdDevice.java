package org.kemari.hv.xen.internal.disk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;
import org.kemari.hv.xen.internal.sys.LibC;
import org.kemari.hv.xen.internal.sys.NativeError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.jna.Native;

/**
 * One of dom0's kernel nbd devices ({@code /dev/nbdN}), connected to Kemari through a socketpair
 * and configured by ioctl as nbd-client does, without a handshake: size, flags, the socket, then
 * {@code NBD_DO_IT}, which blocks a thread of ours for as long as the device is connected.
 * blkback serves the guest's disk from it like any block device.
 */
final class NbdDevice implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NbdDevice.class);
    // _IO(0xab, n) of linux/nbd.h
    private static final long NBD_SET_SOCK = 0xab00;
    private static final long NBD_SET_BLKSIZE = 0xab01;
    private static final long NBD_DO_IT = 0xab03;
    private static final long NBD_CLEAR_SOCK = 0xab04;
    private static final long NBD_SET_SIZE_BLOCKS = 0xab07;
    private static final long NBD_DISCONNECT = 0xab08;
    private static final long NBD_SET_FLAGS = 0xab0a;
    private static final int SECTOR = 512;
    private static final long READY_WAIT_MS = 10_000;

    private final LibC libc;
    private final String name;
    private final int deviceFd;
    private final int kernelSocket;
    private final Thread doIt;
    private volatile String doItResult;

    private NbdDevice(LibC libc, String name, int deviceFd, int kernelSocket) {
        this.libc = libc;
        this.name = name;
        this.deviceFd = deviceFd;
        this.kernelSocket = kernelSocket;
        this.doIt = new Thread(this::runDevice, "kemari-" + name);
        doIt.setDaemon(true);
    }

    /**
     * Connects a free nbd device of {@code sizeBytes} (a multiple of 512) to a new socketpair.
     *
     * @param ourSocket receives our end of the socketpair (serve the NBD transmission phase on it)
     */
    static NbdDevice connect(LibC libc, long sizeBytes, boolean readOnly, int[] ourSocket) throws HypervisorException {
        return connect(libc, Path.of("/sys/block"), sizeBytes, readOnly, ourSocket);
    }

    /** As {@link #connect(LibC, long, boolean, int[])}, finding the devices under {@code sysBlock} (tests). */
    static NbdDevice connect(LibC libc, Path sysBlock, long sizeBytes, boolean readOnly, int[] ourSocket) throws HypervisorException {
        List<String> devices = devices(sysBlock);
        if (devices.isEmpty()) {
            throw new HypervisorException(Reason.UNAVAILABLE, "dom0 has no nbd devices (/sys/block/nbd*): load the nbd module "
                    + "(modprobe nbd) to let Kemari serve Xen disks");
        }
        int[] pair = new int[2];
        if (libc.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM, 0, pair) != 0) {
            throw NativeError.failed("socketpair");
        }
        for (String dev : devices) {
            if (Files.exists(sysBlock.resolve(dev).resolve("pid"))) {
                continue; // connected already (ours or nbd-client's)
            }
            int fd = libc.open("/dev/" + dev, LibC.O_RDWR | LibC.O_CLOEXEC);
            if (fd < 0) {
                continue;
            }
            int flags = NbdWire.FLAG_HAS_FLAGS | NbdWire.FLAG_SEND_FLUSH | (readOnly ? NbdWire.FLAG_READ_ONLY : 0);
            if (libc.ioctl(fd, NBD_SET_SOCK, pair[0]) != 0) {
                int errno = Native.getLastError();
                libc.close(fd);
                if (errno == LibC.EBUSY) {
                    continue; // taken between our look and our claim
                }
                closePair(libc, pair);
                throw new HypervisorException(Reason.HOST_ERROR, "NBD_SET_SOCK on /dev/" + dev + " failed: " + NativeError.describe(errno));
            }
            if (libc.ioctl(fd, NBD_SET_BLKSIZE, SECTOR) != 0 || libc.ioctl(fd, NBD_SET_SIZE_BLOCKS, sizeBytes / SECTOR) != 0
                    || libc.ioctl(fd, NBD_SET_FLAGS, flags) != 0) {
                HypervisorException e = NativeError.failed("configuring /dev/" + dev);
                libc.ioctl(fd, NBD_CLEAR_SOCK, 0);
                libc.close(fd);
                closePair(libc, pair);
                throw e;
            }
            NbdDevice d = new NbdDevice(libc, dev, fd, pair[0]);
            ourSocket[0] = pair[1];
            d.doIt.start();
            return d;
        }
        closePair(libc, pair);
        throw new HypervisorException(Reason.UNAVAILABLE, "all " + devices.size() + " nbd devices of dom0 are in use "
                + "(load the nbd module with a larger nbds_max)");
    }

    /** Waits until the kernel serves the device (it has a pid once NBD_DO_IT runs). */
    void awaitReady() throws HypervisorException {
        long deadline = System.currentTimeMillis() + READY_WAIT_MS;
        while (!Files.exists(Path.of("/sys/block", name, "pid"))) {
            if (doItResult != null || System.currentTimeMillis() > deadline) {
                throw new HypervisorException(Reason.HOST_ERROR, "/dev/" + name + " did not start: "
                        + (doItResult != null ? doItResult : "not serving after " + READY_WAIT_MS + " ms"));
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HypervisorException(Reason.HOST_ERROR, "interrupted while /dev/" + name + " started", e);
            }
        }
    }

    private void runDevice() {
        int rc = libc.ioctl(deviceFd, NBD_DO_IT, 0);
        doItResult = rc == 0 ? "disconnected" : "NBD_DO_IT ended: " + NativeError.describe(Native.getLastError());
        LOG.debug("/dev/{}: {}", name, doItResult);
    }

    String name() {
        return name;
    }

    /** The device's "major:minor" in hex, as blkback reads {@code physical-device}. */
    String physicalDevice() throws HypervisorException {
        try {
            String[] mm = Files.readString(Path.of("/sys/block", name, "dev")).trim().split(":");
            return Integer.toHexString(Integer.parseInt(mm[0])) + ":" + Integer.toHexString(Integer.parseInt(mm[1]));
        } catch (IOException | RuntimeException e) {
            throw new HypervisorException(Reason.HOST_ERROR, "cannot read the device number of /dev/" + name + ": " + e, e);
        }
    }

    /** Disconnects (outstanding requests fail in the kernel) and frees the device for others. */
    @Override
    public void close() {
        libc.ioctl(deviceFd, NBD_DISCONNECT, 0);
        try {
            doIt.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        libc.ioctl(deviceFd, NBD_CLEAR_SOCK, 0);
        libc.close(kernelSocket);
        libc.close(deviceFd);
    }

    private static void closePair(LibC libc, int[] pair) {
        libc.close(pair[0]);
        libc.close(pair[1]);
    }

    /** nbd0, nbd1, ... in number order. */
    private static List<String> devices(Path sysBlock) {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(sysBlock)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.matches("nbd\\d+")).forEach(names::add);
        } catch (IOException e) {
            return names;
        }
        names.sort((a, b) -> Integer.compare(Integer.parseInt(a.substring(3)), Integer.parseInt(b.substring(3))));
        return names;
    }
}
