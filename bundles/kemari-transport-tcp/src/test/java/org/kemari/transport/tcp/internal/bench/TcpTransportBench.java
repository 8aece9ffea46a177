package org.kemari.transport.tcp.internal.bench;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.LinkListener;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.api.transport.Transport;
import org.kemari.transport.tcp.internal.TcpSettings;
import org.kemari.transport.tcp.internal.TcpTransport;
import org.kemari.transport.tcp.internal.TestCertificates;
import org.kemari.transport.tcp.internal.TlsTransport;

/**
 * Loopback benchmark of the tcp and tls transports, one after the other in one run (not a test:
 * prints numbers, asserts nothing).
 * Each measurement is repeated {@value #RUNS} times after a warm-up; the median run is reported.
 *
 * <pre>
 * mvn -q -pl bundles/kemari-transport-tcp test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=org.kemari.transport.tcp.internal.bench.TcpTransportBench
 * </pre>
 */
public final class TcpTransportBench {
    private static final int RUNS = 7;
    private static final int PINGS = 20_000;
    private static final int PAGE = 4096;
    private static final int PAGES = 50_000;
    private static final int PAGES_PER_GATHERED_FRAME = 64;

    private TcpTransportBench() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.out.printf("java %s, %d cpus, %d runs each, median run reported%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), RUNS);
        try (TcpTransport primary = new TcpTransport(TcpSettings.defaults());
                TcpTransport standby = new TcpTransport(TcpSettings.defaults())) {
            measure("tcp", primary, standby);
        }
        // The same over TLS 1.3 (AES-GCM on this CPU's instructions), in the same run for a fair ratio.
        Path dir = Files.createTempDirectory("kemari-tls-bench");
        try {
            TestCertificates certs = new TestCertificates(dir, "bench-secret");
            certs.ca();
            certs.signed("primary", 30, null);
            certs.signed("standby", 30, null);
            certs.trust("trust", "ca");
            try (TlsTransport primary = new TlsTransport(TcpSettings.defaults(), certs.stores("primary", "trust"));
                    TlsTransport standby = new TlsTransport(TcpSettings.defaults(), certs.stores("standby", "trust"))) {
                measure("tls", primary, standby);
            }
        } finally {
            try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static void measure(String name, Transport primaryTransport, Transport standbyTransport) throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (LinkListener listener = standbyTransport.listen(new Endpoint("127.0.0.1", 0))) {
            Future<ReplicationLink> accepted = pool.submit(() -> listener.accept(5000));
            ReplicationLink primary = primaryTransport.connect(listener.boundAddress(), 5000);
            ReplicationLink standby = accepted.get();

            pingPong(primary, standby, pool, PINGS / 4); // warm-up
            double[] p50 = new double[RUNS];
            double[] p99 = new double[RUNS];
            for (int r = 0; r < RUNS; r++) {
                long[] rtt = pingPong(primary, standby, pool, PINGS);
                Arrays.sort(rtt);
                p50[r] = rtt[rtt.length / 2] / 1000.0;
                p99[r] = rtt[rtt.length * 99 / 100] / 1000.0;
            }
            System.out.printf("%s round trip, 64-byte frame: median %.1f us, p99 %.1f us (%d pings a run)%n",
                    name, median(p50), median(p99), PINGS);

            throughput(primary, standby, pool, 1, 1); // warm-up
            double[] single = new double[RUNS];
            double[] gathered = new double[RUNS];
            for (int r = 0; r < RUNS; r++) {
                single[r] = throughput(primary, standby, pool, 1, PAGES);
                gathered[r] = throughput(primary, standby, pool, PAGES_PER_GATHERED_FRAME,
                        PAGES / PAGES_PER_GATHERED_FRAME);
            }
            System.out.printf("%s throughput, %d frames of 4 KiB: median %.0f MiB/s (%.0f frames/s)%n",
                    name, PAGES, median(single), median(single) * 256);
            System.out.printf("%s throughput, frames of %d gathered 4 KiB direct pages: median %.0f MiB/s%n",
                    name, PAGES_PER_GATHERED_FRAME, median(gathered));
            primary.close();
            standby.close();
        } finally {
            pool.shutdownNow();
        }
    }

    /** Round-trip times in ns; the standby echoes each frame. */
    private static long[] pingPong(ReplicationLink primary, ReplicationLink standby, ExecutorService pool, int n)
            throws Exception {
        Future<?> echo = pool.submit(() -> {
            for (int i = 0; i < n; i++) {
                standby.send(standby.receive(5000));
            }
            return null;
        });
        ByteBuffer ping = ByteBuffer.allocateDirect(64);
        long[] rtt = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            primary.send(ping);
            primary.receive(5000);
            rtt[i] = System.nanoTime() - t0;
        }
        echo.get();
        return rtt;
    }

    /** MiB/s from the first send until the standby has received everything and said so. */
    private static double throughput(ReplicationLink primary, ReplicationLink standby, ExecutorService pool,
            int pagesPerFrame, int frames) throws Exception {
        ByteBuffer[] pages = new ByteBuffer[pagesPerFrame];
        for (int i = 0; i < pagesPerFrame; i++) {
            pages[i] = ByteBuffer.allocateDirect(PAGE);
        }
        Future<?> sink = pool.submit(() -> {
            for (int i = 0; i < frames; i++) {
                standby.receive(5000);
            }
            standby.send(ByteBuffer.allocate(1));
            return null;
        });
        long t0 = System.nanoTime();
        for (int i = 0; i < frames; i++) {
            primary.send(pages);
        }
        primary.receive(10_000);
        long ns = System.nanoTime() - t0;
        sink.get();
        return (double) pagesPerFrame * frames * PAGE / (1 << 20) / (ns / 1e9);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
