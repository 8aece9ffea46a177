package org.kemari.hv.kvm.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.Test;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;
import org.kemari.api.hv.VmSpec;

/** Wrong requests fail fast with a clear reason and leave nothing behind. */
public class BadRequestTest {

    private static void assertRefused(KvmBackend backend, VmSpec spec, Reason reason, String text) {
        try {
            backend.create(spec).close();
            fail("expected " + reason + ": " + text);
        } catch (HypervisorException e) {
            assertEquals(e.getMessage(), reason, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains(text));
        }
    }

    private static VmSpec image(String path, long memory) {
        return new VmSpec("bad", memory, 1, path, List.of(), List.of(), Map.of());
    }

    @Test(timeout = 30_000)
    public void missingDeviceIsUnavailable() {
        assertRefused(new KvmBackend("/nonexistent/kvm"), KvmTestSupport.testGuest("x", 4 << 20, Map.of()),
                Reason.UNAVAILABLE, "/nonexistent/kvm: No such file or directory");
    }

    @Test(timeout = 30_000)
    public void badImagesAreInvalidRequests() throws Exception {
        KvmTestSupport.assumeKvm();
        Path dir = Files.createTempDirectory("kemari-bad-image");
        try {
            Path empty = Files.createFile(dir.resolve("empty.bin"));
            Path big = dir.resolve("big.bin");
            Files.write(big, new byte[(3 << 20) + 4096]); // 1 MiB + this > 4 MiB of RAM
            KvmBackend backend = new KvmBackend();
            assertRefused(backend, image(dir.resolve("missing.bin").toString(), 4 << 20), Reason.INVALID_REQUEST, "does not exist");
            assertRefused(backend, image(empty.toString(), 4 << 20), Reason.INVALID_REQUEST, "is empty");
            assertRefused(backend, image(dir.toString(), 4 << 20), Reason.INVALID_REQUEST, "is a directory");
            assertRefused(backend, image(big.toString(), 4 << 20), Reason.INVALID_REQUEST, "does not fit");
            Path future = dir.resolve("abi2.bin");
            byte[] header = new byte[4096];
            System.arraycopy("KEMGUEST".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, header, 8, 8);
            header[16] = 2;
            Files.write(future, header);
            assertRefused(backend, image(future.toString(), 4 << 20), Reason.INVALID_REQUEST, "guest ABI version 2");
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    @Test(timeout = 30_000)
    public void badOptionsAndShapesAreInvalidRequests() {
        KvmTestSupport.assumeKvm();
        KvmBackend backend = new KvmBackend();
        assertRefused(backend, KvmTestSupport.testGuest("x", 4 << 20, Map.of("guest.workload", "dirtier")),
                Reason.INVALID_REQUEST, "unknown guest option 'guest.workload'");
        assertRefused(backend, KvmTestSupport.testGuest("x", 4 << 20, Map.of(GuestOptions.WORKLOADS, "dirtier,fs")),
                Reason.INVALID_REQUEST, "unknown workload 'fs'");
        assertRefused(backend, KvmTestSupport.testGuest("x", 4 << 20, Map.of(GuestOptions.PACE_US, "-1")),
                Reason.INVALID_REQUEST, "guest.pace-us: -1 is outside");
        assertRefused(backend, KvmTestSupport.testGuest("x", 4 << 20, Map.of(GuestOptions.DISK_MODE, "zigzag")),
                Reason.INVALID_REQUEST, "guest.disk-mode");
        assertRefused(backend, new VmSpec("x", 4 << 20, 2, VmSpec.TEST_GUEST, List.of(), List.of(), Map.of()),
                Reason.INVALID_REQUEST, "single-vCPU");
        assertRefused(backend, KvmTestSupport.testGuest("x", 65L << 30, Map.of()), Reason.INVALID_REQUEST, "64 GiB");
    }

    @Test
    public void optionsParse() {
        GuestOptions o = GuestOptions.parse(Map.of(GuestOptions.WORKLOADS, "dirtier, disk,net", GuestOptions.DISK_SEED, "0xffffffffffffffff",
                GuestOptions.IPV4, "10.0.0.2", GuestOptions.DISK_MODE, "random", "other.key", "ignored"));
        assertEquals(7, o.workloads());
        assertEquals(-1L, o.diskSeed());
        assertEquals(0x0200000A, o.ipv4());
        assertEquals(GuestOptions.DISK_RANDOM, o.diskMode());
        assertEquals(0, GuestOptions.parse(Map.of(GuestOptions.WORKLOADS, "none")).workloads());
    }
}
