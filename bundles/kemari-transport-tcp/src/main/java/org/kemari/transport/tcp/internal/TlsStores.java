package org.kemari.transport.tcp.internal;

/**
 * Where a TLS transport finds its key and trusted certificates (paths as Karaf gives them, e.g.
 * under {@code ${karaf.etc}}); an empty key store means this node presents no certificate.
 */
public record TlsStores(String keyStore, String keyStoreType, String keyStorePassword, String keyPassword,
                 String trustStore, String trustStoreType, String trustStorePassword) {
}
