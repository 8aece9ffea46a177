package org.kemari.transport.tcp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.kemari.api.transport.TransportException;
import org.kemari.api.transport.TransportException.Reason;

/**
 * TLS 1.3 with mutual authentication for replication links: this node's key and certificate, and
 * the certificates (or CAs) it trusts, from PKCS#12 (or JKS) stores. Both sides must present a
 * certificate the other trusts; anything else ends the connection before a byte of the stream.
 */
final class TlsContext {
    static final String PROTOCOL = "TLSv1.3";

    private final SSLContext context;
    private final String description;

    private TlsContext(SSLContext context, String description) {
        this.context = context;
        this.description = description;
    }

    /**
     * Loads the stores.
     *
     * @throws TransportException BAD_CONFIGURATION naming the store and what is wrong with it
     */
    static TlsContext load(TlsStores stores) throws TransportException {
        try {
            KeyManagerFactory keys = null;
            if (!stores.keyStore().isEmpty()) {
                KeyStore ks = read("keyStore", stores.keyStore(), stores.keyStoreType(), stores.keyStorePassword());
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(ks, stores.keyPassword().toCharArray());
            }
            if (stores.trustStore().isEmpty()) {
                throw new TransportException(Reason.BAD_CONFIGURATION,
                        "tls: trustStore is not set: a node must name the certificates it trusts");
            }
            KeyStore ts = read("trustStore", stores.trustStore(), stores.trustStoreType(), stores.trustStorePassword());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(ts);
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
            return new TlsContext(context, "TLS 1.3, key store " + (stores.keyStore().isEmpty() ? "none" : stores.keyStore())
                    + ", trust store " + stores.trustStore());
        } catch (GeneralSecurityException e) {
            throw new TransportException(Reason.BAD_CONFIGURATION, "tls: cannot use the key or trust store: " + e.getMessage(), e);
        }
    }

    private static KeyStore read(String what, String path, String type, String password)
            throws TransportException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            KeyStore ks = KeyStore.getInstance(type);
            ks.load(in, password.toCharArray());
            return ks;
        } catch (NoSuchFileException e) {
            throw new TransportException(Reason.BAD_CONFIGURATION, "tls: " + what + " " + path + " does not exist", e);
        } catch (IOException e) {
            // A wrong password shows as an IOException whose cause is an UnrecoverableKeyException.
            throw new TransportException(Reason.BAD_CONFIGURATION, "tls: cannot read " + what + " " + path + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Runs the TLS handshake on a connected channel.
     *
     * @param server true on the accepting side, which demands the peer's certificate
     */
    LinkIo secure(SocketChannel channel, String peer, boolean server, int timeoutMillis, Reason failureReason)
            throws TransportException {
        try {
            Socket plain = channel.socket();
            SSLSocket socket = server
                    ? (SSLSocket) context.getSocketFactory().createSocket(plain, null, true)
                    : (SSLSocket) context.getSocketFactory().createSocket(plain, plain.getInetAddress().getHostAddress(),
                            plain.getPort(), true);
            socket.setUseClientMode(!server);
            socket.setEnabledProtocols(new String[] {PROTOCOL});
            if (server) {
                socket.setNeedClientAuth(true);
            }
            socket.setSoTimeout(timeoutMillis);
            socket.startHandshake();
            socket.setSoTimeout(0);
            return new TlsLinkIo(socket);
        } catch (SocketTimeoutException e) {
            throw new TransportException(failureReason, "TLS handshake with " + peer + " did not complete within "
                    + timeoutMillis + " ms", e);
        } catch (IOException e) {
            throw new TransportException(failureReason, "TLS handshake with " + peer + " failed: " + why(e), e);
        }
    }

    /** The reason in an operator's words, with JSSE's own message after it. */
    static String why(IOException e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof CertificateExpiredException) {
                return "a certificate has expired (" + c.getMessage() + ")";
            }
            if (c instanceof CertificateNotYetValidException) {
                return "a certificate is not yet valid (" + c.getMessage() + ")";
            }
        }
        String m = String.valueOf(e.getMessage());
        if (m.contains("PKIX path") || m.contains("unable to find valid certification path")) {
            return "the peer's certificate is not trusted here (" + m + ")";
        }
        if (m.contains("certificate_required") || m.contains("Empty client certificate chain")) {
            // A client presents only a certificate from a CA the server names: none, or an untrusted one.
            return "the peer presented no certificate this node trusts (" + m + ")";
        }
        if (m.contains("Unsupported or unrecognized SSL message")) {
            return "the peer does not speak TLS (is it set to the tcp transport?) (" + m + ")";
        }
        if (m.contains("certificate_expired")) {
            return "the peer says this node's certificate has expired (" + m + ")";
        }
        if (m.contains("certificate_unknown") || m.contains("bad_certificate")) {
            return "the peer did not accept this node's certificate (" + m + ")";
        }
        if (!(e instanceof SSLException) || m.contains("Remote host terminated")) {
            return "the peer ended the connection (" + m + "): it may not speak TLS, or it refused this node's"
                    + " certificate or the lack of one (its log says which)";
        }
        return m;
    }

    @Override
    public String toString() {
        return description;
    }
}
