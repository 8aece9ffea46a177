package org.kemari.transport.tcp.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Key and trust stores for TLS tests, made with the JDK's keytool as an operator would (EC P-256,
 * PKCS#12): {@code <dir>/<name>.p12} holds a key, {@code <dir>/<name>.crt} its certificate.
 */
public final class TestCertificates {
    private final Path dir;
    private final String password;

    public TestCertificates(Path dir, String password) {
        this.dir = dir;
        this.password = password;
    }

    public String store(String name) {
        return dir.resolve(name + ".p12").toString();
    }

    private String crt(String name) {
        return dir.resolve(name + ".crt").toString();
    }

    /** A CA ("ca") that can sign. */
    public void ca() throws IOException, InterruptedException {
        run(keytool(), "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=Kemari test CA",
                "-ext", "bc:c", "-validity", "60", "-keystore", store("ca"), "-storetype", "PKCS12", "-storepass", password);
        run(keytool(), "-exportcert", "-rfc", "-alias", "ca", "-keystore", store("ca"), "-storepass", password, "-file", crt("ca"));
    }

    /** A key whose certificate the CA signed, valid {@code days} from {@code startDate} (keytool's syntax; null: now). */
    public void signed(String name, int days, String startDate) throws IOException, InterruptedException {
        run(keytool(), "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=" + name + ",O=Kemari test", "-validity", "1", "-keystore", store(name), "-storetype", "PKCS12",
                "-storepass", password);
        String csr = dir.resolve(name + ".csr").toString();
        run(keytool(), "-certreq", "-alias", name, "-keystore", store(name), "-storepass", password, "-file", csr);
        List<String> sign = new ArrayList<>(List.of(keytool(), "-gencert", "-rfc", "-alias", "ca", "-keystore", store("ca"),
                "-storepass", password, "-infile", csr, "-outfile", crt(name), "-validity", String.valueOf(days)));
        if (startDate != null) {
            sign.addAll(List.of("-startdate", startDate));
        }
        run(sign.toArray(new String[0]));
        run(keytool(), "-importcert", "-noprompt", "-trustcacerts", "-alias", "ca", "-file", crt("ca"), "-keystore", store(name),
                "-storepass", password);
        run(keytool(), "-importcert", "-noprompt", "-alias", name, "-file", crt(name), "-keystore", store(name),
                "-storepass", password);
    }

    /** A key with a certificate of its own (no CA). */
    public void selfSigned(String name) throws IOException, InterruptedException {
        run(keytool(), "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-validity", "30", "-keystore", store(name), "-storetype", "PKCS12", "-storepass", password);
        run(keytool(), "-exportcert", "-rfc", "-alias", name, "-keystore", store(name), "-storepass", password, "-file", crt(name));
    }

    /** A trust store {@code store} holding the certificates of {@code names}. */
    public void trust(String store, String... names) throws IOException, InterruptedException {
        for (String n : names) {
            run(keytool(), "-importcert", "-noprompt", "-alias", n, "-file", crt(n), "-keystore", store(store), "-storetype",
                    "PKCS12", "-storepass", password);
        }
    }

    /** Stores for a node with key {@code key} (null: none) trusting what {@code trust} holds. */
    public TlsStores stores(String key, String trust) {
        return new TlsStores(key == null ? "" : store(key), "PKCS12", password, password, store(trust), "PKCS12", password);
    }

    private static String keytool() {
        return Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
