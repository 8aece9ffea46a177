package org.kemari.api.hv;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything but memory that a VM needs to continue: its vCPU and device state records, as
 * captured while the VM was paused.
 *
 * @param backend the backend that captured it; another backend refuses it
 * @param records the state records, in the order the backend restores them
 */
public record MachineState(String backend, List<StateRecord> records) {
    public MachineState {
        Objects.requireNonNull(backend, "backend");
        records = List.copyOf(records);
    }

    /** The record of the given kind and instance, if present. */
    public Optional<StateRecord> find(String kind, String instance) {
        return records.stream()
                .filter(r -> r.kind().equals(kind) && r.instance().equals(instance))
                .findFirst();
    }
}
