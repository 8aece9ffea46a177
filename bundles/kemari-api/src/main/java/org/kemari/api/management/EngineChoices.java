package org.kemari.api.management;

import java.util.Objects;

/**
 * The services the engine uses now, by name ("" where none is installed). Which one is used when
 * several are installed is chosen by {@code transport.target}, {@code checkpointPolicy.target} and
 * {@code failoverPolicy.target} of the engine's configuration.
 *
 * @param transport the transport new links are made with (e.g. "tcp", "tls")
 * @param checkpointPolicy the policy the next epoch is timed by (e.g. "event-driven")
 * @param failoverPolicy the policy standby sessions decide with (e.g. "heartbeat")
 * @since 1.2
 */
public record EngineChoices(String transport, String checkpointPolicy, String failoverPolicy) {
    public EngineChoices {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(checkpointPolicy, "checkpointPolicy");
        Objects.requireNonNull(failoverPolicy, "failoverPolicy");
    }
}
