package org.kemari.hv.kvm.internal;

import java.io.File;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.Assume;
import org.kemari.api.hv.VmSpec;
import org.kemari.testing.TestTime;

/** Shared helpers of the KVM backend tests. */
final class KvmTestSupport {
    private KvmTestSupport() {
    }

    /** Skips the calling test on hosts without a usable /dev/kvm. */
    static void assumeKvm() {
        File kvm = new File("/dev/kvm");
        Assume.assumeTrue("/dev/kvm is missing on this host: KVM tests skipped", kvm.exists());
        Assume.assumeTrue("/dev/kvm is not accessible (permissions): KVM tests skipped", kvm.canRead() && kvm.canWrite());
    }

    static VmSpec testGuest(String name, long memory, Map<String, String> options) {
        return new VmSpec(name, memory, 1, VmSpec.TEST_GUEST, List.of(), List.of(), options);
    }

    /** Polls until {@code condition} holds; false on timeout ({@code timeout} times {@link TestTime#scale()}). */
    static boolean await(BooleanSupplier condition, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + Math.round(unit.toNanos(timeout) * TestTime.scale());
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
