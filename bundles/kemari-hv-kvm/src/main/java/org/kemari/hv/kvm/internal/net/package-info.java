/**
 * Host-side NIC backends for virtio-net: the {@link org.kemari.hv.kvm.internal.net.NetBackend}
 * SPI, a Linux TAP backend (JNA), {@code none}, and in-process pairs for tests, chosen by a NIC's
 * backend string through {@link org.kemari.hv.kvm.internal.net.NetBackends}.
 */
package org.kemari.hv.kvm.internal.net;
