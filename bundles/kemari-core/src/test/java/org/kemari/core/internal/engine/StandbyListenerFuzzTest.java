package org.kemari.core.internal.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.kemari.api.management.StandbyListenerStatus;
import org.kemari.api.transport.ReplicationLink;
import org.kemari.core.internal.stream.Ack;
import org.kemari.transport.tcp.internal.TcpSettings;
import org.kemari.transport.tcp.internal.TcpTransport;

/**
 * Fuzzes a real standby's listener (issue #12): seeded inputs from {@link HostileInputs}, each one
 * TCP connection to the standby's port on loopback, sent by a few client threads at once. After
 * every batch: the listener still listens and was never restarted, a valid primary is accepted
 * and its initial copy acknowledged, no session or link thread is left behind, and no VM was
 * started. At the end the process holds no more file descriptors than before.
 *
 * <p>Bounded: {@code kemari.fuzz.inputs} inputs (default 10,000) within {@code kemari.fuzz.seconds}
 * (default 300; running out of time fails the test). The seed is printed; {@code
 * -Dkemari.fuzz.seed=N} replays a run, {@code -Dkemari.fuzz.seed=random} picks a new one.
 */
public class StandbyListenerFuzzTest {
    private static final long DEFAULT_SEED = 0x4b454d415249L;
    private static final int BATCH = 1000;
    private static final int CLIENTS = 4;

    private StandbyNode standby;
    private final TcpTransport primary = new TcpTransport(TcpSettings.defaults());
    private final ExecutorService clients = Executors.newFixedThreadPool(CLIENTS, r -> {
        Thread t = new Thread(r, "fuzz-client");
        t.setDaemon(true);
        return t;
    });

    @Before
    public void setUp() throws Exception {
        standby = new StandbyNode(new TcpTransport(TcpSettings.defaults()), Map.of());
        Files.createDirectories(standby.dir.resolve("disks").resolve("fz"));
        standby.awaitListening();
    }

    @After
    public void tearDown() throws Exception {
        clients.shutdownNow();
        primary.close();
        standby.close();
    }

    @Test
    public void theStandbySurvivesHostileInputs() throws Exception {
        long seed = seed();
        int inputs = Integer.getInteger("kemari.fuzz.inputs", 10_000);
        long budgetNanos = TimeUnit.SECONDS.toNanos(Long.getLong("kemari.fuzz.seconds", 300));
        System.out.println("StandbyListenerFuzzTest: seed " + seed + " (-Dkemari.fuzz.seed=" + seed + " replays it), " + inputs + " inputs");
        long fdsBefore = openFiles();
        long t0 = System.nanoTime();
        int port = standby.port();
        AtomicLong bytes = new AtomicLong();
        for (int from = 0; from < inputs; from += BATCH) {
            int to = Math.min(inputs, from + BATCH);
            runBatch(seed, from, to, port, bytes, t0 + budgetNanos);
            checkStandby(seed, from, to);
            if (System.nanoTime() - t0 > budgetNanos) {
                fail("the fuzz budget ran out after " + to + " of " + inputs + " inputs (seed " + seed + ")");
            }
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        System.out.printf("StandbyListenerFuzzTest: %d inputs (%d KiB) in %d s, seed %d%n", inputs, bytes.get() >> 10,
                seconds, seed);
        EngineRig.await(() -> openFiles() <= fdsBefore + 16, 5_000,
                () -> "file descriptors back to baseline: " + fdsBefore + " before, " + openFiles() + " now");
    }

    private void runBatch(long seed, int from, int to, int port, AtomicLong bytes, long deadline) throws Exception {
        List<String> stuck = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicLong next = new AtomicLong(from);
        List<Future<?>> running = new java.util.ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            running.add(clients.submit(() -> {
                for (long i = next.getAndIncrement(); i < to && System.nanoTime() < deadline; i = next.getAndIncrement()) {
                    HostileInputs.Input input = HostileInputs.generate(seed + i);
                    bytes.addAndGet(input.bytes().length);
                    if (!send(port, input)) {
                        stuck.add("input " + i + " (" + input.kind() + ")");
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get();
        }
        assertTrue("streams that ended with END_OF_PROTECTION but were not closed by the standby (seed " + seed + "): "
                + stuck, stuck.isEmpty());
    }

    /**
     * One connection: the input's bytes, then whatever the standby answers until it closes. A
     * stream input always ends with END_OF_PROTECTION, so the standby must close it soon; a link
     * input may leave the standby waiting for more, and is closed after a moment.
     *
     * @return false if a stream input was left open by the standby
     */
    private static boolean send(int port, HostileInputs.Input input) {
        boolean stream = input.kind().startsWith("stream");
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            try {
                s.getOutputStream().write(input.bytes());
                s.getOutputStream().flush();
                if (input.reset()) {
                    s.setSoLinger(true, 0);
                    return true;
                }
                // Heartbeats keep coming while the standby holds the link: one deadline for all reads.
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(stream ? 3_000 : 50);
                InputStream in = s.getInputStream();
                byte[] sink = new byte[4096];
                while (true) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0) {
                        return !stream;
                    }
                    s.setSoTimeout((int) left);
                    if (in.read(sink) < 0) {
                        return true;
                    }
                }
            } catch (SocketTimeoutException e) {
                return !stream;
            } catch (IOException e) {
                return true; // reset by the standby after refusing: expected
            }
        } catch (IOException e) {
            throw new AssertionError("cannot connect to the standby for input " + input.kind() + ": " + e, e);
        }
    }

    private void checkStandby(long seed, int from, int to) throws Exception {
        String batch = "after inputs " + from + ".." + (to - 1) + " of seed " + seed;
        StandbyListenerStatus listener = standby.manager.standbyListener();
        assertEquals(batch + ": " + listener, StandbyListenerStatus.State.LISTENING, listener.state());
        assertEquals(batch + ": " + listener, 0, listener.restarts());
        assertEquals(batch + ": streams the standby failed on by an error of its own (see the log's ERROR line)", 0,
                standby.manager.standbyFailuresOnInput());
        EngineRig.await(() -> standby.liveSessions() == 0 && standbyThreads() == 0, 10_000,
                () -> batch + ": no session left behind: " + standby.manager.list() + ", threads " + threadNames());
        try (ReplicationLink link = primary.connect(standby.manager.standbyAddress(), 3_000)) {
            Object reply = HostilePrimaryTest.exchange(link, WireStream.frames(WireStream.header(HostileInputs.VM, 0),
                    HostilePrimaryTest.validStream(), 0));
            assertEquals(batch + ": a valid primary's initial copy is acknowledged", new Ack(0), reply);
            link.send(WireStream.frame(List.of(WireStream.endOfProtection(0))));
        }
        EngineRig.await(() -> standby.liveSessions() == 0, 10_000, () -> batch + ": the valid session ended: " + standby.manager.list());
        assertTrue(batch + ": a VM was started on the standby", standby.vms.list().isEmpty());
    }

    /** The standby's session threads and the reader threads of links it accepted. */
    private static long standbyThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("kemari-standby-session") || n.startsWith("kemari-tcp-reader 127.")).count();
    }

    private static List<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("kemari-")).sorted().toList();
    }

    private static long openFiles() {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static long seed() {
        String s = System.getProperty("kemari.fuzz.seed", "");
        if (s.equals("random")) {
            return System.nanoTime();
        }
        return s.isEmpty() ? DEFAULT_SEED : Long.parseLong(s);
    }
}
