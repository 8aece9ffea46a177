package org.kemari.hv.kvm.internal.net;

import java.io.IOException;

/**
 * Opens a NIC's host side from the backend string of its {@code VmSpec.NicSpec}:
 * <ul>
 * <li>{@code tap:<ifname>} — the Linux TAP device {@code ifname}, created if absent or attached to
 * if it exists (e.g. made by {@code ip tuntap add mode tap});</li>
 * <li>{@code none} — no network: frames are dropped and counted;</li>
 * <li>{@code pair:<name>} or {@code pair:<name>:a|b} — a side of an in-process pair registered in
 * {@link NetPairRegistry} (tests).</li>
 * </ul>
 */
public final class NetBackends {
    private static final int IFNAMSIZ = 16;

    private NetBackends() {
    }

    /**
     * @throws IllegalArgumentException if the string has none of the forms above
     * @throws IOException if the backend cannot be opened (no /dev/net/tun, permission, busy)
     */
    public static NetBackend open(String backend) throws IOException {
        if (backend.equals("none")) {
            return new NullNetBackend();
        }
        if (backend.startsWith("tap:")) {
            return TapNetBackend.open(checkInterfaceName(backend.substring(4), backend));
        }
        if (backend.startsWith("pair:")) {
            return openPair(backend.substring(5), backend);
        }
        throw new IllegalArgumentException("unknown NIC backend '" + backend
                + "': expected tap:<ifname>, none, or pair:<name>");
    }

    private static NetBackend openPair(String rest, String backend) {
        String name = rest;
        boolean sideB = false;
        if (rest.endsWith(":a") || rest.endsWith(":b")) {
            name = rest.substring(0, rest.length() - 2);
            sideB = rest.endsWith(":b");
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("NIC backend '" + backend + "' names no pair: expected pair:<name>");
        }
        InProcessNetPair pair = NetPairRegistry.find(name);
        if (pair == null) {
            throw new IllegalArgumentException("NIC backend '" + backend + "': no in-process net pair named '"
                    + name + "' is registered");
        }
        return pair.attach(sideB);
    }

    static String checkInterfaceName(String name, String backend) {
        if (name.isEmpty() || name.length() >= IFNAMSIZ || !name.matches("[A-Za-z0-9_.-]+")
                || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("NIC backend '" + backend + "': '" + name
                    + "' is not a valid interface name (1-15 characters of letters, digits, '_', '.', '-')");
        }
        return name;
    }
}
