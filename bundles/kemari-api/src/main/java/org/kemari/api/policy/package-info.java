/**
 * Policies: pure decisions over a view of the world, taken by the engine, which does the
 * acting (fencing, promotion, taking epochs).
 *
 * <p>{@link org.kemari.api.policy.FailoverPolicy} decides when a standby takes over;
 * {@link org.kemari.api.policy.CheckpointPolicy} decides when an epoch is taken. Both are DS
 * services that can be swapped while a VM is protected: the engine reads its policy references
 * once per decision. Selection rule: the engine's {@code failoverPolicy.target} /
 * {@code checkpointPolicy.target} configuration filter, if set, limits the candidates (e.g.
 * {@code (kemari.policy=periodic)}); among the candidates the highest {@code service.ranking}
 * wins, and for equal ranking the lowest {@code service.id}.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package org.kemari.api.policy;
