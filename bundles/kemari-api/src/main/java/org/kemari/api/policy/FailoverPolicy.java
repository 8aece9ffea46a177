package org.kemari.api.policy;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Decides when a standby takes over. Registered as a DS service with {@value #NAME_PROPERTY}.
 * Implementations decide only: they never touch the VM. A policy must never answer TAKE_OVER
 * when {@link HealthView#hasCommittedState()} is false; the engine refuses such an answer anyway.
 */
@ConsumerType
public interface FailoverPolicy {

    /** Service property carrying {@link #name()}. */
    String NAME_PROPERTY = "kemari.policy";

    /** A short, stable name ({@code manual}, {@code heartbeat}, {@code quorum}). */
    String name();

    /** Called periodically and on every health change. */
    FailoverDecision decide(HealthView health) throws PolicyException;
}
