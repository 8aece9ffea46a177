package org.kemari.hv.kvm.internal;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The test guest's workload settings, read from {@link org.kemari.api.hv.VmSpec#options()}. Every
 * key starts with {@code guest.}; they fill the boot info page (docs/specs/guest-abi.md). An
 * unknown {@code guest.*} key or a bad value is refused with an {@link IllegalArgumentException}
 * naming the key; options without the {@code guest.} prefix belong to others and are ignored.
 *
 * <table>
 * <caption>Keys</caption>
 * <tr><th>key</th><th>value</th><th>default</th></tr>
 * <tr><td>{@value #WORKLOADS}</td><td>comma list of {@code dirtier}, {@code disk}, {@code net}, {@code kv}; or {@code none}
 *     ({@code kv}, the TCP key-value server, includes the {@code net} responder and needs a disk)</td><td>dirtier</td></tr>
 * <tr><td>{@value #DIRTY_PAGES}</td><td>DIRTIER pages written per round</td><td>0 (guest: 16)</td></tr>
 * <tr><td>{@value #DIRTY_REGION_PAGES}</td><td>DIRTIER region size in pages</td><td>0 (guest: 4096)</td></tr>
 * <tr><td>{@value #DISK_MODE}</td><td>{@code sequential} or {@code random}</td><td>sequential</td></tr>
 * <tr><td>{@value #DISK_BLOCKS}</td><td>DISK_WRITER: 4 KiB blocks it writes within</td><td>0 (whole disk)</td></tr>
 * <tr><td>{@value #DISK_SEED}</td><td>DISK_WRITER random sequence seed (decimal or 0x hex, unsigned 64-bit)</td><td>0</td></tr>
 * <tr><td>{@value #PACE_US}</td><td>WAIT after each round, microseconds</td><td>0 (flat out)</td></tr>
 * <tr><td>{@value #REPORT_EVERY}</td><td>REPORT every N rounds</td><td>0 (guest: 1)</td></tr>
 * <tr><td>{@value #MAX_ROUNDS}</td><td>EXIT 0 after N rounds</td><td>0 (never)</td></tr>
 * <tr><td>{@value #CONSOLE_EVERY}</td><td>status line on the console every N rounds</td><td>0 (never)</td></tr>
 * <tr><td>{@value #IPV4}</td><td>NET_RESPONDER address, dotted quad</td><td>0.0.0.0</td></tr>
 * <tr><td>{@value #KV_PORT}</td><td>KV_SERVER TCP port, 0..65535</td><td>0 (guest: 9000)</td></tr>
 * <tr><td>{@value #KV_LOG_START}</td><td>KV_SERVER log region: first 4 KiB block (used when {@value #KV_LOG_BLOCKS} is set)</td><td>0</td></tr>
 * <tr><td>{@value #KV_LOG_BLOCKS}</td><td>KV_SERVER log region size in 4 KiB blocks</td><td>0 (guest: the upper half of the disk)</td></tr>
 * </table>
 * The NET_RESPONDER's MAC is the first NIC's MAC from the spec.
 */
record GuestOptions(int workloads, int dirtyPages, int dirtyRegionPages, int diskMode, int diskBlocks, long diskSeed,
                    int paceMicros, int reportEvery, int maxRounds, int consoleEvery, int ipv4,
                    int kvPort, int kvLogStart, int kvLogBlocks) {

    public static final String PREFIX = "guest.";
    public static final String WORKLOADS = "guest.workloads";
    public static final String DIRTY_PAGES = "guest.dirty-pages";
    public static final String DIRTY_REGION_PAGES = "guest.dirty-region-pages";
    public static final String DISK_MODE = "guest.disk-mode";
    public static final String DISK_BLOCKS = "guest.disk-blocks";
    public static final String DISK_SEED = "guest.disk-seed";
    public static final String PACE_US = "guest.pace-us";
    public static final String REPORT_EVERY = "guest.report-every";
    public static final String MAX_ROUNDS = "guest.max-rounds";
    public static final String CONSOLE_EVERY = "guest.console-every";
    public static final String IPV4 = "guest.ipv4";
    public static final String KV_PORT = "guest.kv-port";
    public static final String KV_LOG_START = "guest.kv-log-start";
    public static final String KV_LOG_BLOCKS = "guest.kv-log-blocks";

    static final List<String> KEYS = List.of(WORKLOADS, DIRTY_PAGES, DIRTY_REGION_PAGES, DISK_MODE, DISK_BLOCKS, DISK_SEED,
            PACE_US, REPORT_EVERY, MAX_ROUNDS, CONSOLE_EVERY, IPV4, KV_PORT, KV_LOG_START, KV_LOG_BLOCKS);

    /** Boot info workload bits. */
    static final int DIRTIER = 1;
    static final int DISK_WRITER = 2;
    static final int NET_RESPONDER = 4;
    static final int KV_SERVER = 8;

    static final int DISK_SEQUENTIAL = 0;
    static final int DISK_RANDOM = 1;

    /** Parses and validates the {@code guest.*} options. */
    static GuestOptions parse(Map<String, String> options) {
        for (String key : options.keySet()) {
            if (key.startsWith(PREFIX) && !KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown guest option '" + key + "'; known: " + String.join(", ", KEYS));
            }
        }
        return new GuestOptions(
                workloads(options.getOrDefault(WORKLOADS, "dirtier")),
                count(options, DIRTY_PAGES),
                count(options, DIRTY_REGION_PAGES),
                diskMode(options.getOrDefault(DISK_MODE, "sequential")),
                count(options, DISK_BLOCKS),
                seed(options.getOrDefault(DISK_SEED, "0")),
                count(options, PACE_US),
                count(options, REPORT_EVERY),
                count(options, MAX_ROUNDS),
                count(options, CONSOLE_EVERY),
                ipv4(options.getOrDefault(IPV4, "0.0.0.0")),
                port(options),
                count(options, KV_LOG_START),
                count(options, KV_LOG_BLOCKS));
    }

    private static int port(Map<String, String> options) {
        int port = count(options, KV_PORT);
        if (Integer.compareUnsigned(port, 0xFFFF) > 0) {
            throw new IllegalArgumentException(KV_PORT + ": " + Integer.toUnsignedString(port) + " is outside 0..65535");
        }
        return port;
    }

    private static int workloads(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("none") || v.isEmpty()) {
            return 0;
        }
        int bits = 0;
        for (String part : v.split(",")) {
            switch (part.trim()) {
                case "dirtier" -> bits |= DIRTIER;
                case "disk" -> bits |= DISK_WRITER;
                case "net" -> bits |= NET_RESPONDER;
                case "kv" -> bits |= KV_SERVER;
                default -> throw new IllegalArgumentException(WORKLOADS + ": unknown workload '" + part.trim()
                        + "' in '" + value + "'; use a comma list of dirtier, disk, net, kv, or none");
            }
        }
        return bits;
    }

    private static int diskMode(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "sequential" -> DISK_SEQUENTIAL;
            case "random" -> DISK_RANDOM;
            default -> throw new IllegalArgumentException(DISK_MODE + ": '" + value + "' is neither 'sequential' nor 'random'");
        };
    }

    /** A non-negative 32-bit count (stored as u32 in the boot info). */
    private static int count(Map<String, String> options, String key) {
        String value = options.get(key);
        if (value == null) {
            return 0;
        }
        try {
            long n = Long.parseLong(value.trim());
            if (n < 0 || n > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException(key + ": " + n + " is outside 0.." + 0xFFFF_FFFFL);
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + value + "' is not a whole number", e);
        }
    }

    private static long seed(String value) {
        String v = value.trim();
        try {
            return v.startsWith("0x") || v.startsWith("0X") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseUnsignedLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(DISK_SEED + ": '" + value + "' is not an unsigned 64-bit number", e);
        }
    }

    /** Dotted quad to the boot info's network-byte-order u32 (as the little-endian int the page stores). */
    private static int ipv4(String value) {
        String[] parts = value.trim().split("\\.");
        if (parts.length != 4) {
            throw new IllegalArgumentException(IPV4 + ": '" + value + "' is not a dotted-quad IPv4 address");
        }
        int le = 0;
        for (int i = 0; i < 4; i++) {
            int octet;
            try {
                octet = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(IPV4 + ": '" + value + "' is not a dotted-quad IPv4 address", e);
            }
            if (octet < 0 || octet > 255) {
                throw new IllegalArgumentException(IPV4 + ": '" + value + "' has an octet outside 0..255");
            }
            le |= octet << (8 * i); // first octet at the lowest address = network byte order in memory
        }
        return le;
    }
}
