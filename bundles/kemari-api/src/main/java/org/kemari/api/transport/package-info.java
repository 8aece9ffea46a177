/**
 * The replication link between a primary and its standby.
 *
 * <p>A {@link org.kemari.api.transport.Transport} is a DS service; transports can be swapped
 * while a VM is protected (the engine reads its transport reference between epochs).
 * Selection rule: the engine's {@code transport.target} configuration filter, if set, limits the
 * candidates (e.g. {@code (kemari.transport=tcp)}); among the candidates the highest
 * {@code service.ranking} wins, and for equal ranking the lowest {@code service.id}.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package org.kemari.api.transport;
