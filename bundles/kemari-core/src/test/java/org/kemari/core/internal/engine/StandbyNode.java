package org.kemari.core.internal.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.Transport;
import org.kemari.core.internal.BackendRegistryImpl;
import org.kemari.core.internal.VmManagerImpl;
import org.kemari.transport.tcp.internal.TcpSettings;
import org.kemari.transport.tcp.internal.TcpTransport;

/**
 * A standby node without a hypervisor, for tests that play the primary by hand: the real engine
 * and the real TCP transport on loopback, the fake stream backend, no failover policy (the
 * standby never takes over by itself).
 */
final class StandbyNode implements AutoCloseable {
    static final String BACKEND = "fakestream";

    final Path dir;
    final VmManagerImpl vms;
    final Transport transport;
    final ProtectionManagerImpl manager;

    StandbyNode() throws IOException {
        this(new TcpTransport(TcpSettings.defaults()), Map.of());
    }

    StandbyNode(Transport transport, Map<String, Object> config) throws IOException {
        this.dir = Files.createTempDirectory("kemari-standby");
        BackendRegistryImpl backends = new BackendRegistryImpl();
        backends.add(new FakeStreamBackend(), 0, 1);
        this.vms = new VmManagerImpl(backends);
        this.transport = transport;
        this.manager = new ProtectionManagerImpl(vms, backends, transport, null, null);
        Map<String, Object> all = new java.util.HashMap<>(Map.of("standby_listen", "127.0.0.1:0",
                "standby_dataDir", dir.resolve("images").toString(),
                "standby_replicatedDiskRoot", Files.createDirectories(dir.resolve("disks")).toString()));
        all.putAll(config);
        manager.apply(EngineConfigs.of(all));
    }

    /** Waits until the node listens; its address. */
    Endpoint awaitListening() {
        EngineRig.await(() -> manager.standbyAddress() != null, 5_000, () -> "standby listening: "
                + manager.standbyListenerState());
        return manager.standbyAddress();
    }

    int port() {
        return awaitListening().port();
    }

    /** Sessions that are not over. */
    long liveSessions() {
        return manager.list().stream().filter(s -> s.state() != ProtectionStatus.State.ENDED).count();
    }

    @Override
    public void close() throws IOException {
        manager.deactivate();
        vms.list().forEach(vm -> vm.close());
        if (transport instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IOException(e);
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
