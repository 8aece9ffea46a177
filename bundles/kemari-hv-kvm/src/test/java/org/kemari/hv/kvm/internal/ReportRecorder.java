package org.kemari.hv.kvm.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * Records, at each REPORT doorbell, the guest's sequence and counters, a checksum of the DIRTIER
 * region and (when a disk is given) of the whole disk image: what two runs from the same state
 * must agree on, report by report. Runs on the vCPU thread while the guest is stopped at the exit.
 */
final class ReportRecorder implements KvmVm.ReportHook {
    private final int regionPages;
    private final int limit;
    private final Path disk;
    private final List<String> observations = new ArrayList<>();
    private final CountDownLatch done = new CountDownLatch(1);

    ReportRecorder(int regionPages, int limit) {
        this(regionPages, limit, null);
    }

    ReportRecorder(int regionPages, int limit, Path disk) {
        this.regionPages = regionPages;
        this.limit = limit;
        this.disk = disk;
    }

    @Override
    public synchronized void onReport(KvmVm vm, long sequence) {
        if (observations.size() >= limit) {
            return;
        }
        observations.add(observe(vm.ram(), sequence, regionPages) + (disk == null ? "" : String.format(" disk-crc=%08x", crc(disk))));
        if (observations.size() == limit) {
            done.countDown();
        }
    }

    static String observe(GuestRam ram, long sequence, int regionPages) {
        long region = ram.getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_DIRTY_REGION_ADDR);
        CRC32C crc = new CRC32C();
        if (region != 0) {
            ByteBuffer b = ByteBuffer.allocate(regionPages * 4096);
            ram.read(region, b);
            crc.update(b.flip());
        }
        return String.format("seq=%d rounds=%d dirty=%d disk=%d/%d region-crc=%08x", sequence,
                ram.getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_ROUNDS),
                ram.getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_DIRTY_ITERATIONS),
                ram.getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_DISK_WRITES_SUBMITTED),
                ram.getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_DISK_WRITES_ACKED), crc.getValue());
    }

    private static long crc(Path file) {
        try {
            CRC32C crc = new CRC32C();
            crc.update(Files.readAllBytes(file));
            return crc.getValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return done.await(timeout, unit);
    }

    synchronized List<String> observations() {
        return List.copyOf(observations);
    }
}
