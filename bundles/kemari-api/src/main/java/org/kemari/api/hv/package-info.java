/**
 * The hypervisor SPI: what the replication engine needs from a hypervisor to protect a VM.
 *
 * <p>A {@link org.kemari.api.hv.HypervisorBackend} creates and restores VMs; a
 * {@link org.kemari.api.hv.Vm} is pausable, exposes its {@link org.kemari.api.hv.GuestMemory}
 * and a fetch-and-clear {@link org.kemari.api.hv.DirtyPageSet dirty log}, and captures its vCPU
 * and device state as versioned {@link org.kemari.api.hv.StateRecord}s. The capabilities are
 * layered as in other VMMs: pausable, then snapshottable (state capture), then restorable on
 * another host.
 *
 * <p>Selection rule for competing backends: the engine uses the backend whose
 * {@link org.kemari.api.hv.HypervisorBackend#name() name} the protection request names; among
 * services of the same name the highest {@code service.ranking} wins, and for equal ranking the
 * lowest {@code service.id}.
 */
@org.osgi.annotation.versioning.Version("1.3.0")
package org.kemari.api.hv;
