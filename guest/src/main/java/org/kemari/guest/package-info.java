/**
 * The Kemari test guest: a flat x86-64 image implementing the guest ABI in
 * {@code docs/specs/guest-abi.md}, for the KVM backend's micro-VMM and its tests, and
 * {@code GuestDiskPattern} and {@code GuestKvLog}, which check from outside the VM what the guest wrote to its disk.
 */
@org.osgi.annotation.versioning.Version("1.2.0")
package org.kemari.guest;
