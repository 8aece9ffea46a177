package org.kemari.itests.failover;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The test's client programs, run as small JVMs inside the client namespace. */
final class ClientJava {
    private ClientJava() {
    }

    /** Starts {@code main} with {@code args} in the client namespace; its stderr goes to {@code stderrFile}. */
    static Process start(FailoverNetwork network, Class<?> main, Path stderrFile, String... args) throws IOException {
        String classes = Path.of(main.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classes, main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(network.inClient(command)).redirectError(stderrFile.toFile()).start();
    }

    /** Stops a client: closes its input (it ends by itself), kills it if it lingers, lets its reader finish. */
    static void stop(Process process, Thread reader) throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // Already gone.
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(2_000);
    }
}
