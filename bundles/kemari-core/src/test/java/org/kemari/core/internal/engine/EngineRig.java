package org.kemari.core.internal.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.kemari.api.hv.Vm;
import org.kemari.api.transport.Endpoint;
import org.kemari.core.internal.BackendRegistryImpl;
import org.kemari.core.internal.VmManagerImpl;
import org.kemari.hv.kvm.internal.KvmBackend;
import org.kemari.io.disk.internal.DiskCheckpointDeviceProvider;
import org.kemari.io.net.internal.NetCheckpointDeviceProvider;
import org.kemari.policy.checkpoint.internal.EventDrivenCheckpointPolicy;
import org.kemari.policy.failover.internal.HeartbeatTimeoutFailoverPolicy;
import org.kemari.testing.TestTime;
import org.kemari.transport.tcp.internal.TcpSettings;
import org.kemari.transport.tcp.internal.TcpTransport;

/**
 * Two engine nodes in one JVM, wired as DS would wire them but by hand: a primary and a standby
 * with their own VM managers, real KVM, real TCP on loopback, the real policies and interceptors.
 */
final class EngineRig implements AutoCloseable {
    final Path dir;
    /** The standby's root for its copies of replicated disks: both nodes share one file system here. */
    final Path standbyDiskRoot;
    final VmManagerImpl primaryVms;
    final VmManagerImpl standbyVms;
    final TcpTransport primaryTcp = new TcpTransport(tcpSettings());
    TcpTransport standbyTcp;
    /** The standby's port, kept across standby restarts so the primary can reconnect. */
    final int standbyPort;
    final ProtectionManagerImpl primary;
    ProtectionManagerImpl standby;

    EngineRig() throws IOException {
        dir = Files.createTempDirectory("kemari-engine");
        standbyDiskRoot = Files.createDirectories(dir.resolve("standby-disks"));
        primaryVms = new VmManagerImpl(registry());
        standbyVms = new VmManagerImpl(registry());
        primary = new ProtectionManagerImpl(primaryVms, registry(), primaryTcp, new EventDrivenCheckpointPolicy(),
                new HeartbeatTimeoutFailoverPolicy(TestTime.millis(200L)));
        primary.apply(EngineConfigs.of(Map.of("standby_listen", "", "standbySilenceMillis", TestTime.millis(300L),
                "reconnectIntervalMillis", TestTime.millis(100L))));
        primary.addDeviceProvider(new DiskCheckpointDeviceProvider());
        primary.addDeviceProvider(new NetCheckpointDeviceProvider());
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            standbyPort = s.getLocalPort();
        }
        startStandby();
    }

    /** (Re)starts the standby node, always on the same port. */
    void startStandby() {
        standbyTcp = new TcpTransport(tcpSettings());
        standby = new ProtectionManagerImpl(standbyVms, registry(), standbyTcp, new EventDrivenCheckpointPolicy(),
                new HeartbeatTimeoutFailoverPolicy(TestTime.millis(200L)));
        standby.apply(EngineConfigs.of(Map.of("standby_listen", "127.0.0.1:" + standbyPort, "standby_dataDir", dir.toString(),
                "standby_replicatedDiskRoot", standbyDiskRoot.toString())));
        await(() -> standby.standbyAddress() != null, 5_000, "standby listening");
    }

    /**
     * The primary node dies, as far as one JVM can show it: its links drop without a word (nothing
     * can tell the standby that protection ends), then its VM stops dead. A stopped VM alone would
     * end protection in order (the standby discards its copy), which is not a crash.
     */
    void crashPrimary(Vm vm) {
        primaryTcp.close();
        vm.close();
    }

    /** The standby node goes away: its links drop, it keeps nothing. */
    void killStandby() {
        standby.deactivate();
        standbyTcp.close();
    }

    /**
     * The transport's defaults on this machine's clock ({@link TestTime}): link heartbeats and the
     * handshake deadline scale with the engine's timeouts above, so their ratios stay the same.
     */
    static TcpSettings tcpSettings() {
        TcpSettings d = TcpSettings.defaults();
        return d.withHeartbeatIntervalMillis(TestTime.millis(d.heartbeatIntervalMillis()))
                .withConnectTimeoutMillis(TestTime.millis(d.connectTimeoutMillis()));
    }

    Endpoint standbyAddress() {
        return standby.standbyAddress();
    }

    private static BackendRegistryImpl registry() {
        BackendRegistryImpl r = new BackendRegistryImpl();
        r.add(new KvmBackend(), 0, 1);
        return r;
    }

    /** A u64 of the test guest's status area (docs/specs/guest-abi.md), read from its memory. */
    static long guestStatus(Vm vm, int offset) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        vm.memory().read(0x1000 + offset, b);
        return b.getLong(0);
    }

    static final int DISK_WRITES_ACKED = 0x820;
    static final int ROUNDS = 0x808;

    static void await(BooleanSupplier condition, long millis, String what) {
        await(condition, millis, () -> what);
    }

    /** Polls until {@code condition} holds; fails after {@code millis} on this machine's clock ({@link TestTime}). */
    static void await(BooleanSupplier condition, long unscaledMillis, java.util.function.Supplier<String> what) {
        long millis = TestTime.millis(unscaledMillis);
        long deadline = System.currentTimeMillis() + millis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out after " + millis + " ms waiting for: " + what.get());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    @Override
    public void close() throws IOException {
        primary.deactivate();
        standby.deactivate();
        for (Vm vm : primaryVms.list()) {
            vm.close();
        }
        for (Vm vm : standbyVms.list()) {
            vm.close();
        }
        primaryTcp.close();
        standbyTcp.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
