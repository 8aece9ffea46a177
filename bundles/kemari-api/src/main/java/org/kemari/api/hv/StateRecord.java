package org.kemari.api.hv;

import java.util.Objects;

/**
 * One piece of saved state of a VM, versioned by its writer: a vCPU's registers, a device's
 * queue indices and in-flight requests. The engine treats the payload as opaque bytes; only the
 * backend that wrote it interprets it, and refuses kinds or versions it does not know.
 *
 * @param kind what the payload is, qualified by the backend (e.g. {@code kvm.vcpu}, {@code kvm.virtio-blk})
 * @param instance which one of that kind (e.g. the vCPU index or the device id)
 * @param version the payload's format version; 0 is invalid
 * @param payload the bytes (not copied: treat as immutable)
 */
public record StateRecord(String kind, String instance, int version, byte[] payload) {
    public StateRecord {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(payload, "payload");
        if (version <= 0) {
            throw new IllegalArgumentException("state version must be positive, got " + version);
        }
    }
}
