package org.kemari.itests.failover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real nbd-server (Debian package {@code nbd-server}; scripts/setup.sh installs it) in a network
 * namespace of the test, exporting one image file writable. It daemonizes and forks a process per
 * client; {@link #close()} stops them by the PID it wrote (the namespace's removal would too).
 */
final class NbdServer implements AutoCloseable {
    static final int PORT = 10809;
    private static final List<String> BINARIES = List.of("/usr/bin/nbd-server", "/usr/sbin/nbd-server");

    private final String address;
    private final String export;
    private final ProcessHandle server;

    private NbdServer(String address, String export, ProcessHandle server) {
        this.address = address;
        this.export = export;
        this.server = server;
    }

    static Optional<Path> binary() {
        return BINARIES.stream().map(Path::of).filter(Files::isExecutable).findFirst();
    }

    /** Starts a server in {@code namespace} listening on {@code address}:{@value #PORT}, exporting {@code image} as {@code export}. */
    static NbdServer start(String namespace, String address, String export, Path image, Path dir)
            throws IOException, InterruptedException {
        Path binary = binary().orElseThrow(() -> new IOException("nbd-server is not installed (scripts/setup.sh installs it)"));
        Path conf = dir.resolve("nbd-server.conf");
        Path pidFile = dir.resolve("nbd-server.pid");
        Files.writeString(conf, "[generic]\nlistenaddr = " + address + "\nport = " + PORT + "\n[" + export + "]\nexportname = "
                + image.toAbsolutePath() + "\n");
        Files.deleteIfExists(pidFile);
        Commands.Result r = Commands.tryRun(FailoverNetwork.inNamespace(namespace,
                List.of(binary.toString(), "-C", conf.toString(), "-p", pidFile.toString())).toArray(String[]::new));
        if (r.exitCode() != 0) {
            throw new IOException("nbd-server did not start (exit " + r.exitCode() + "): " + r.output().strip());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            String pid = Files.exists(pidFile) ? Files.readString(pidFile).strip() : "";
            Optional<ProcessHandle> h = pid.isEmpty() ? Optional.empty() : ProcessHandle.of(Long.parseLong(pid));
            if (h.isPresent()) {
                return new NbdServer(address, export, h.get());
            }
            Thread.sleep(20);
        }
        throw new IOException("nbd-server wrote no PID to " + pidFile + ": " + r.output().strip());
    }

    /** The disk argument of kemari:vm-start. */
    String uri() {
        return "nbd://" + address + ":" + PORT + "/" + export;
    }

    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> all = new java.util.ArrayList<>(server.descendants().toList());
        all.add(0, server);
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(5, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                h.destroyForcibly();
            }
        }
    }
}
