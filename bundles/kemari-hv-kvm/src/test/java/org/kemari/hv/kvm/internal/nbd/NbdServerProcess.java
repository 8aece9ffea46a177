package org.kemari.hv.kvm.internal.nbd;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real nbd-server (Debian package {@code nbd-server}) for tests, on a free loopback port with
 * its own config file in {@code dir}. It daemonizes (so that it serves several clients at once,
 * as shared storage must; with {@code -d} it would serve one at a time), and writes its PID to a
 * file, by which {@link #close()} stops it and the connection processes it forked.
 */
public final class NbdServerProcess implements AutoCloseable {
    private static final List<String> BINARIES = List.of("/usr/bin/nbd-server", "/usr/sbin/nbd-server");

    private final Path dir;
    private final int port;
    private final ProcessHandle server;

    /** The nbd-server binary, if installed (scripts/setup.sh installs it). */
    public static Optional<Path> binary() {
        return BINARIES.stream().map(Path::of).filter(Files::isExecutable).findFirst();
    }

    /**
     * Starts a server exporting {@code exports} (name → image file); names in {@code readOnly} are
     * exported read-only.
     */
    public static NbdServerProcess start(Path dir, Map<String, Path> exports, List<String> readOnly)
            throws IOException, InterruptedException {
        Path binary = binary().orElseThrow(() -> new IOException("nbd-server is not installed"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        StringBuilder conf = new StringBuilder("[generic]\nlistenaddr = 127.0.0.1\nport = " + port + "\n");
        for (Map.Entry<String, Path> e : exports.entrySet()) {
            conf.append('[').append(e.getKey()).append("]\nexportname = ").append(e.getValue().toAbsolutePath()).append('\n');
            if (readOnly.contains(e.getKey())) {
                conf.append("readonly = true\n");
            }
        }
        Path confFile = dir.resolve("nbd-server.conf");
        Files.writeString(confFile, conf);
        Path pidFile = dir.resolve("nbd-server.pid");
        Path log = dir.resolve("nbd-server.log");
        Process p = new ProcessBuilder(binary.toString(), "-C", confFile.toString(), "-p", pidFile.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("nbd-server did not start: " + Files.readString(log));
        }
        ProcessHandle server = awaitPid(pidFile, log);
        NbdServerProcess process = new NbdServerProcess(dir, port, server);
        process.awaitListening(log);
        return process;
    }

    private NbdServerProcess(Path dir, int port, ProcessHandle server) {
        this.dir = dir;
        this.port = port;
        this.server = server;
    }

    private static ProcessHandle awaitPid(Path pidFile, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.exists(pidFile)) {
                String text = Files.readString(pidFile).strip();
                if (!text.isEmpty()) {
                    Optional<ProcessHandle> h = ProcessHandle.of(Long.parseLong(text));
                    if (h.isPresent()) {
                        return h.get();
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new IOException("nbd-server wrote no PID file: " + Files.readString(log));
    }

    private void awaitListening(Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        close();
        throw new IOException("nbd-server does not listen on port " + port + ": " + Files.readString(log));
    }

    public int port() {
        return port;
    }

    /** {@code nbd://127.0.0.1:port/export}. */
    public String uri(String export) {
        return "nbd://127.0.0.1:" + port + "/" + export;
    }

    /** Whether the server process still runs. */
    public boolean alive() {
        return server.isAlive();
    }

    /** Stops the server and its connection processes, and waits for them to go. Never throws. */
    /**
     * Alive and not a zombie: the daemon's parent is init, which may take a second or more to
     * reap it, and a zombie holds no port or file any more.
     */
    private static boolean running(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + h.pid() + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        List<ProcessHandle> all = new ArrayList<>(server.descendants().toList());
        all.add(0, server);
        for (ProcessHandle h : all) {
            h.destroy();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ProcessHandle h : all) {
            while (running(h) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (running(h)) {
                h.destroyForcibly();
            }
        }
        try {
            Files.deleteIfExists(dir.resolve("nbd-server.pid"));
        } catch (IOException e) {
            // the test's temp dir is removed anyway
        }
    }
}
