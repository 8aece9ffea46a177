package org.kemari.hv.kvm.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;

import org.junit.Assume;
import org.junit.Test;
import org.kemari.api.hv.BackendStatus;

public class KvmProbeTest {

    @Test(timeout = 30_000)
    public void probeOnThisHostIsUsable() {
        Assume.assumeTrue("/dev/kvm is missing on this host", new File("/dev/kvm").exists());
        BackendStatus status = new KvmBackend().probe();
        status.details().forEach(d -> System.out.println("  " + (d.ok() ? "ok  " : "FAIL") + " " + d.check() + " = " + d.value()));
        assertTrue(status.reason(), status.usable());
        assertEquals("kvm", status.backend());
        assertTrue(status.details().stream().anyMatch(d -> d.check().equals("KVM_GET_API_VERSION") && d.value().equals("12")));
    }

    @Test(timeout = 30_000)
    public void missingDeviceIsReportedWithErrnoText() {
        BackendStatus status = new KvmBackend("/nonexistent/kvm").probe();
        assertFalse(status.usable());
        assertEquals("/nonexistent/kvm: No such file or directory (errno 2)", status.reason());
        assertFalse(status.details().get(0).ok());
    }
}
