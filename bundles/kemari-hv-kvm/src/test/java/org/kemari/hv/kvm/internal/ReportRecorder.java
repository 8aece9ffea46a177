package org.kemari.hv.kvm.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * Records, at each REPORT doorbell, the guest's sequence, a checksum of the DIRTIER region and its
 * disk-write counters: what two runs from the same state must agree on, report by report.
 */
final class ReportRecorder implements KvmVm.ReportHook {
    private final int regionPages;
    private final int limit;
    private final List<String> observations = new ArrayList<>();
    private final CountDownLatch done;

    ReportRecorder(int regionPages, int limit) {
        this.regionPages = regionPages;
        this.limit = limit;
        this.done = new CountDownLatch(1);
    }

    @Override
    public synchronized void onReport(KvmVm vm, long sequence) {
        if (observations.size() >= limit) {
            return;
        }
        observations.add(observe(vm.ram(), sequence, regionPages));
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
        return String.format("seq=%d rounds=%d dirty=%d disk=%d/%d crc=%08x", sequence,
                ram.getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_ROUNDS),
                ram.getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_DIRTY_ITERATIONS),
                ram.getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_DISK_WRITES_SUBMITTED),
                ram.getLong(GuestAbi.BOOT_INFO + GuestAbi.ST_DISK_WRITES_ACKED), crc.getValue());
    }

    boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return done.await(timeout, unit);
    }

    synchronized List<String> observations() {
        return List.copyOf(observations);
    }
}
