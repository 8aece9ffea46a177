package org.kemari.api.transport;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A way to carry the replication stream (e.g. TCP, TLS over TCP). Registered as a DS service
 * with the property {@value #NAME_PROPERTY}.
 */
@ConsumerType
public interface Transport {

    /** Service property carrying {@link #name()}. */
    String NAME_PROPERTY = "kemari.transport";

    /** A short, stable name ({@code tcp}, {@code tls}). */
    String name();

    /**
     * Connects to a standby.
     *
     * @throws TransportException UNREACHABLE if nobody answers within {@code timeoutMillis}
     */
    ReplicationLink connect(Endpoint standby, long timeoutMillis) throws TransportException;

    /**
     * Listens for primaries.
     *
     * @throws TransportException BAD_CONFIGURATION if the address cannot be bound
     */
    LinkListener listen(Endpoint address) throws TransportException;
}
