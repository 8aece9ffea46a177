package org.kemari.core.internal.engine;

/**
 * The replication engine's tunables, validated once (see {@code EngineConfig} for the operator's
 * view and defaults).
 *
 * @param maxEpochsInFlight epochs captured but not yet acknowledged before the engine waits
 * @param standbySilenceMillis silence from the standby after which the primary calls it lost
 * @param reconnectIntervalMillis how often a primary without standby tries to reconnect
 * @param connectTimeoutMillis how long one connection attempt may take
 * @param initialSyncTimeoutMillis how long the first epoch (the full copy) may take to be acknowledged
 * @param precopyMaxRounds pre-copy rounds while the VM runs before the final stop-and-copy
 * @param precopyStopPages pre-copy ends early once a round leaves fewer dirty pages than this
 * @param maxFrameBytes the largest frame the engine sends
 */
public record EngineSettings(int maxEpochsInFlight, long standbySilenceMillis, long reconnectIntervalMillis,
                             long connectTimeoutMillis, long initialSyncTimeoutMillis, int precopyMaxRounds,
                             int precopyStopPages, int maxFrameBytes) {

    public static EngineSettings defaults() {
        return new EngineSettings(8, 1_000, 1_000, 2_000, 120_000, 8, 256, 4 << 20);
    }

    public EngineSettings {
        check("maxEpochsInFlight", maxEpochsInFlight, 1, 64);
        check("standbySilenceMillis", standbySilenceMillis, 20, 600_000);
        check("reconnectIntervalMillis", reconnectIntervalMillis, 10, 3_600_000);
        check("connectTimeoutMillis", connectTimeoutMillis, 10, 600_000);
        check("initialSyncTimeoutMillis", initialSyncTimeoutMillis, 100, 3_600_000);
        check("precopyMaxRounds", precopyMaxRounds, 0, 1_000);
        check("precopyStopPages", precopyStopPages, 0, 1 << 24);
        check("maxFrameBytes", maxFrameBytes, 64 << 10, 64 << 20);
    }

    private static void check(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
        }
    }
}
