package org.kemari.api.transport;

import java.io.Closeable;

import org.osgi.annotation.versioning.ProviderType;

/** A listening endpoint that accepts links from primaries. */
@ProviderType
public interface LinkListener extends Closeable {

    /** The bound address (with the real port if 0 was asked for). */
    Endpoint boundAddress();

    /**
     * Waits for the next incoming link, at most {@code timeoutMillis} (0 = no limit).
     *
     * @return the link, or null on timeout
     */
    ReplicationLink accept(long timeoutMillis) throws TransportException;

    /** Stops listening. Never throws. */
    @Override
    void close();
}
