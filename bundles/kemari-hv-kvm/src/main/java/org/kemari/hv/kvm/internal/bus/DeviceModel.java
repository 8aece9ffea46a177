package org.kemari.hv.kvm.internal.bus;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.StateRecord;

/**
 * Life cycle and saved state of a device model. The live model (registers, queues, host-side
 * backend) is kept apart from its saved state, a versioned {@link StateRecord}.
 */
public interface DeviceModel extends AutoCloseable {

    /** The device id from the VM spec (e.g. {@code vda}, {@code net0}, {@code console}). */
    String id();

    /**
     * Stops all device activity that is not driven by a vCPU (e.g. frame reception threads writing
     * into guest memory) so the VM can be captured consistently. Blocks until quiet.
     */
    void quiesce();

    /** Lets background activity continue after {@link #quiesce()}. */
    void unquiesce();

    /** Saves the device's state (queue addresses and indices, negotiated features, in-flight requests). */
    StateRecord save();

    /**
     * Restores saved state into a freshly built device of the same kind; requests that were in
     * flight in that state are re-issued when the VM resumes. The device is left quiesced: it
     * touches guest memory and re-issues those requests only at the next {@link #unquiesce()}.
     *
     * @throws HypervisorException BAD_STATE on an unknown kind or version
     */
    void restore(StateRecord state) throws HypervisorException;

    /** Releases host resources (files, TAP fds, threads). Never throws. */
    @Override
    void close();
}
