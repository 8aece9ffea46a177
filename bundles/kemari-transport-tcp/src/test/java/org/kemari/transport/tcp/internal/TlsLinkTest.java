package org.kemari.transport.tcp.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.TransportException;

/**
 * The tls transport with real certificates (made by the JDK's keytool): mutual authentication
 * carries frames; an untrusted, expired or missing certificate, a plain TCP peer and unusable
 * stores each end in one line that says why.
 */
public class TlsLinkTest extends LinkTestBase {
    @ClassRule
    public static final TemporaryFolder DIR = new TemporaryFolder();
    private static final String PASSWORD = "kemari-test";
    private static Path dir;

    @BeforeClass
    public static void makeCertificates() throws Exception {
        dir = DIR.getRoot().toPath();
        TestCertificates certs = new TestCertificates(dir, PASSWORD);
        // A CA signs the nodes' certificates; both nodes trust the CA (as an operator would set it up).
        certs.ca();
        certs.signed("primary", 30, null);
        certs.signed("standby", 30, null);
        certs.signed("expired", 2, "-10d");
        certs.selfSigned("stranger"); // not signed by the CA
        certs.trust("trusts-ca", "ca");
        certs.trust("trusts-stranger", "stranger");
    }

    private static TlsStores stores(String key, String trust) {
        return new TestCertificates(dir, PASSWORD).stores(key, trust);
    }

    private TlsTransport tls(String key, String trust) throws TransportException {
        return closeLater(new TlsTransport(TcpSettings.defaults().withConnectTimeoutMillis(3000), stores(key, trust)));
    }

    /** The standby's listener, accepting in the background (a refused handshake never yields a link). */
    private LinkListener standby() throws TransportException {
        return closeLater(tls("standby", "trusts-ca").listen(ANY_LOOPBACK));
    }

    private static Endpoint at(LinkListener l) {
        return new Endpoint("127.0.0.1", l.boundAddress().port());
    }

    @Test
    public void trustedPeersCarryFramesBothWays() throws Exception {
        LinkListener listener = standby();
        CompletableFuture<ReplicationLink> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return listener.accept(5000);
            } catch (TransportException e) {
                throw new RuntimeException(e);
            }
        });
        ReplicationLink primary = closeLater(tls("primary", "trusts-ca").connect(at(listener), 3000));
        ReplicationLink standby = closeLater(accepted.get(10, TimeUnit.SECONDS));
        assertNotNull("the standby accepted the primary", standby);

        byte[] big = new byte[3 << 20]; // larger than one TLS record and one staging buffer
        new java.util.Random(7).nextBytes(big);
        primary.send(ByteBuffer.wrap(big));
        ByteBuffer got = standby.receive(5000);
        assertNotNull(got);
        byte[] copy = new byte[got.remaining()];
        got.get(copy);
        assertArrayEquals(big, copy);
        standby.send(ByteBuffer.wrap(new byte[] {42}));
        assertEquals(42, primary.receive(5000).get());
        assertEquals("tls", tls("primary", "trusts-ca").name());
    }

    @Test
    public void aPrimaryWhoseCertificateTheStandbyDoesNotTrustIsRefused() throws Exception {
        LinkListener listener = standby();
        TransportException e = assertThrows(TransportException.class,
                () -> tls("stranger", "trusts-ca").connect(at(listener), 3000));
        assertEquals(TransportException.Reason.UNREACHABLE, e.reason());
        // The client learns only that the standby ended it (which alert, if any, depends on timing) ...
        assertTrue(e.getMessage(), e.getMessage().startsWith("TLS handshake with standby 127.0.0.1:" + listener.boundAddress().port()
                + " failed: the peer "));
        assertEquals("no link from a stranger", null, listener.accept(500));
        // ... the standby says why: the stranger's certificate is not from the CA it trusts.
        assertEquals(null, awaitRefusal(listener, "the peer presented no certificate this node trusts (Empty client certificate chain)"));
    }

    @Test
    public void aStandbyWhoseCertificateThePrimaryDoesNotTrustIsLeft() throws Exception {
        // The standby presents its certificate, which the "stranger" trust store does not hold.
        LinkListener listener = standby();
        TlsStores strangerTrust = stores("primary", "trusts-stranger");
        TransportException e = assertThrows(TransportException.class,
                () -> closeLater(new TlsTransport(TcpSettings.defaults(), strangerTrust)).connect(at(listener), 3000));
        assertTrue(e.getMessage(), e.getMessage().contains("failed: the peer's certificate is not trusted here"));
    }

    @Test
    public void anExpiredCertificateIsRefusedAsExpired() throws Exception {
        LinkListener listener = standby();
        TransportException e = assertThrows(TransportException.class,
                () -> tls("expired", "trusts-ca").connect(at(listener), 3000));
        // TLS does not tell the client why (certificate_unknown); the standby logs it, and keeps it.
        assertTrue(e.getMessage(), e.getMessage().contains("failed: the peer"));
        assertEquals(null, awaitRefusal(listener, "a certificate has expired (NotAfter: "));
    }

    @Test
    public void aPrimaryWithoutACertificateIsRefused() throws Exception {
        LinkListener listener = standby();
        TransportException e = assertThrows(TransportException.class, () -> tls(null, "trusts-ca").connect(at(listener), 3000));
        assertTrue(e.getMessage(), e.getMessage().startsWith("TLS handshake with standby 127.0.0.1:" + listener.boundAddress().port()
                + " failed: "));
        assertTrue(e.getMessage(), e.getMessage().contains("certificate"));
        assertEquals(null, awaitRefusal(listener, "the peer presented no certificate this node trusts"));
    }

    /** Null once the standby's last refusal says {@code why}; else what it says. */
    private static String awaitRefusal(LinkListener listener, String why) throws InterruptedException {
        TcpLinkListener standbySide = (TcpLinkListener) listener;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (standbySide.lastRefusal().matches("TLS handshake with 127\\.0\\.0\\.1:\\d+ failed: .*")
                    && standbySide.lastRefusal().contains(why)) {
                return null;
            }
            Thread.sleep(20);
        }
        return "the standby's last refusal: '" + standbySide.lastRefusal() + "', expected it to say: " + why;
    }

    @Test
    public void aPlainTcpPrimaryGetsNoLink() throws Exception {
        LinkListener listener = standby();
        TransportException e = assertThrows(TransportException.class,
                () -> transport(TcpSettings.defaults().withConnectTimeoutMillis(2000)).connect(at(listener), 2000));
        assertTrue(e.getMessage(), e.getMessage().contains("standby 127.0.0.1:" + listener.boundAddress().port()));
        assertEquals(null, listener.accept(500));
        assertEquals(null, awaitRefusal(listener, "the peer does not speak TLS"));
    }

    @Test
    public void unusableStoresAreOneLineConfigurationErrors() throws Exception {
        TransportException missing = assertThrows(TransportException.class, () -> new TlsTransport(TcpSettings.defaults(),
                new TlsStores("", "PKCS12", "", "", dir.resolve("nope.p12").toString(), "PKCS12", PASSWORD)));
        assertEquals(TransportException.Reason.BAD_CONFIGURATION, missing.reason());
        assertEquals("tls: trustStore " + dir.resolve("nope.p12") + " does not exist", missing.getMessage());
        TransportException noTrust = assertThrows(TransportException.class, () -> new TlsTransport(TcpSettings.defaults(),
                new TlsStores("", "PKCS12", "", "", "", "PKCS12", "")));
        assertEquals("tls: trustStore is not set: a node must name the certificates it trusts", noTrust.getMessage());
        TransportException wrong = assertThrows(TransportException.class, () -> new TlsTransport(TcpSettings.defaults(),
                new TlsStores(dir.resolve("primary.p12").toString(), "PKCS12", "wrong", "wrong",
                        dir.resolve("trusts-ca.p12").toString(), "PKCS12", PASSWORD)));
        assertTrue(wrong.getMessage(), wrong.getMessage().startsWith("tls: cannot read keyStore " + dir.resolve("primary.p12") + ": "));
        assertTrue(Files.exists(dir.resolve("primary.p12")));
    }
}
