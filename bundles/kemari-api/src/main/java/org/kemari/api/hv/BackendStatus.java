package org.kemari.api.hv;

import java.util.List;
import java.util.Objects;

/**
 * The truth about one hypervisor backend on this host, as found by real probes.
 *
 * @param backend the backend's name (e.g. {@code kvm}, {@code xen})
 * @param usable whether VMs can be run and protected with it here
 * @param reason one line saying why it is usable or not (e.g. "/dev/kvm: permission denied")
 * @param details probe findings in the order they were made (API version, capabilities, ...)
 */
public record BackendStatus(String backend, boolean usable, String reason, List<Detail> details) {

    /** One probe finding: what was checked, whether it passed, and what was seen. */
    public record Detail(String check, boolean ok, String value) {
        public Detail {
            Objects.requireNonNull(check, "check");
            Objects.requireNonNull(value, "value");
        }
    }

    public BackendStatus {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(reason, "reason");
        details = List.copyOf(details);
    }
}
