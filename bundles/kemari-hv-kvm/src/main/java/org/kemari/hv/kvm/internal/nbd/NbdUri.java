package org.kemari.hv.kvm.internal.nbd;

import java.util.Objects;

/**
 * Where an NBD export is: {@code nbd://host[:port]/exportname} (port 10809, the IANA port, when
 * left out). The export name is everything after the first slash and may not be empty: nbd-server
 * has no useful default export.
 */
public record NbdUri(String host, int port, String exportName) {
    public static final String SCHEME = "nbd://";
    public static final int DEFAULT_PORT = 10809;

    public NbdUri {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(exportName, "exportName");
    }

    /** Whether a disk path names an NBD export rather than a file. */
    public static boolean isNbd(String path) {
        return path.startsWith(SCHEME);
    }

    /**
     * Parses {@code nbd://host[:port]/exportname}; IPv6 hosts go in brackets.
     *
     * @throws IllegalArgumentException naming what is wrong with {@code uri}
     */
    public static NbdUri parse(String uri) {
        if (!isNbd(uri)) {
            throw new IllegalArgumentException("'" + uri + "' is not an nbd:// URI");
        }
        String rest = uri.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        if (slash < 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException("'" + uri + "' names no export: use nbd://host:port/exportname");
        }
        String authority = rest.substring(0, slash);
        String export = rest.substring(slash + 1);
        String host;
        String port = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + uri + "': unclosed '[' in the host");
            }
            host = authority.substring(1, close);
            if (close + 1 < authority.length()) {
                if (authority.charAt(close + 1) != ':') {
                    throw new IllegalArgumentException("'" + uri + "': expected ':port' after the IPv6 host");
                }
                port = authority.substring(close + 2);
            }
        } else {
            int colon = authority.lastIndexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            port = colon < 0 ? null : authority.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("'" + uri + "' names no host");
        }
        return new NbdUri(host, port == null ? DEFAULT_PORT : parsePort(uri, port), export);
    }

    private static int parsePort(String uri, String port) {
        try {
            int p = Integer.parseInt(port);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("'" + uri + "': port must be 1..65535, got '" + port + "'");
    }

    /** {@code host:port}, as the operator would name the server. */
    public String server() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return SCHEME + server() + "/" + exportName;
    }
}
