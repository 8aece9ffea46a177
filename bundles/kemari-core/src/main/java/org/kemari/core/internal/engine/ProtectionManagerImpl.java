package org.kemari.core.internal.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.kemari.api.hv.Vm;
import org.kemari.api.io.CheckpointDeviceProvider;
import org.kemari.api.management.BackendRegistry;
import org.kemari.api.management.EngineChoices;
import org.kemari.api.management.ProtectionException;
import org.kemari.api.management.ProtectionManager;
import org.kemari.api.management.ProtectionMetrics;
import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.management.StandbyListenerStatus;
import org.kemari.api.management.VmManager;
import org.kemari.api.policy.CheckpointPolicy;
import org.kemari.api.policy.FailoverPolicy;
import org.kemari.api.transport.Endpoint;
import org.kemari.api.transport.Transport;
import org.kemari.core.internal.standby.SparseFileImage;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replication engine as a service: protection sessions for this node's VMs (primary role)
 * and a standby server for other nodes' VMs. Transports, checkpoint and failover policies and
 * checkpoint devices are dynamic references, read when needed, so they can be swapped while
 * VMs are protected; {@code transport.target}, {@code checkpointPolicy.target} and
 * {@code failoverPolicy.target} in the configuration choose among several.
 */
@Component(service = ProtectionManager.class, configurationPid = ProtectionManagerImpl.PID)
@Designate(ocd = EngineConfig.class)
public class ProtectionManagerImpl implements ProtectionManager, SessionServices, StandbyEnvironment {
    static final String PID = "org.kemari.engine";
    private static final Logger LOG = LoggerFactory.getLogger(ProtectionManagerImpl.class);

    @Reference
    private VmManager vmManager;

    @Reference
    private BackendRegistry backends;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Transport transport;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile CheckpointPolicy checkpointPolicy;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile FailoverPolicy failoverPolicy;

    private final List<RankedProvider> providers = new CopyOnWriteArrayList<>();
    private final Map<String, ProtectionSession> primaries = new ConcurrentHashMap<>();
    private volatile EngineSettings settings = EngineSettings.defaults();
    private volatile StandbyServer standbyServer;
    private volatile Path dataDir;
    private volatile Path replicatedDiskRoot;
    private volatile StandbyLimits standbyLimits = StandbyLimits.defaults();
    private volatile EpochObserver epochObserver = EpochObserver.NONE;

    public ProtectionManagerImpl() {
    }

    /** Outside OSGi (tests): fixed services. */
    public ProtectionManagerImpl(VmManager vmManager, BackendRegistry backends, Transport transport,
                                 CheckpointPolicy checkpointPolicy, FailoverPolicy failoverPolicy) {
        this.vmManager = vmManager;
        this.backends = backends;
        this.transport = transport;
        this.checkpointPolicy = checkpointPolicy;
        this.failoverPolicy = failoverPolicy;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addDeviceProvider(CheckpointDeviceProvider provider, Map<String, Object> props) {
        Object ranking = props.get(Constants.SERVICE_RANKING);
        Object id = props.get(Constants.SERVICE_ID);
        providers.add(new RankedProvider(provider, ranking instanceof Integer i ? i : 0, id instanceof Long l ? l : 0));
    }

    void removeDeviceProvider(CheckpointDeviceProvider provider) {
        providers.removeIf(p -> p.provider == provider);
    }

    @Activate
    void activate(EngineConfig config) {
        apply(config);
    }

    @Modified
    void modified(EngineConfig config) {
        apply(config);
    }

    /** Applies configuration; also usable outside OSGi. */
    public void apply(EngineConfig config) {
        settings = new EngineSettings(config.maxEpochsInFlight(), config.standbySilenceMillis(),
                config.reconnectIntervalMillis(), config.connectTimeoutMillis(), config.initialSyncTimeoutMillis(),
                EngineSettings.defaults().precopyMaxRounds(), EngineSettings.defaults().precopyStopPages(),
                EngineSettings.defaults().maxFrameBytes());
        String dir = config.standby_dataDir();
        dataDir = dir.isBlank() ? Path.of(System.getProperty("karaf.data", System.getProperty("java.io.tmpdir")), "kemari", "standby")
                : Path.of(dir);
        String replicaRoot = config.standby_replicatedDiskRoot().trim();
        if (!replicaRoot.isEmpty() && !Path.of(replicaRoot).isAbsolute()) {
            throw new IllegalArgumentException("standby.replicatedDiskRoot must be an absolute path, got '" + replicaRoot + "'");
        }
        replicatedDiskRoot = replicaRoot.isEmpty() ? null : Path.of(replicaRoot);
        standbyLimits = StandbyLimits.of(config.standby_maxGuestMemoryMiB(), config.standby_maxVcpus(),
                config.standby_maxDisks(), config.standby_maxNics());
        String listen = config.standby_listen().trim();
        Endpoint address = listen.isEmpty() ? null : Endpoint.parse(listen);
        StandbyServer current = standbyServer;
        if (current != null && (address == null || !address.equals(current.address()))) {
            current.stop();
            standbyServer = null;
        }
        if (address != null && standbyServer == null) {
            StandbyServer server = new StandbyServer(address, () -> transport, this, SparseFileImage.factory(dataDir));
            standbyServer = server;
            server.start();
        }
    }

    @Deactivate
    void deactivate() {
        for (ProtectionSession s : primaries.values()) {
            s.stop(true);
        }
        primaries.clear();
        StandbyServer server = standbyServer;
        if (server != null) {
            server.stop();
        }
    }

    @Override
    public ProtectionStatus protect(String vmName, Endpoint standby) throws ProtectionException {
        Vm vm = vmManager.find(vmName).orElseThrow(() -> new ProtectionException(ProtectionException.Reason.UNKNOWN_VM,
                "no VM named '" + vmName + "' on this node"));
        ProtectionSession session = new ProtectionSession(vm, standby, this, settings);
        if (primaries.putIfAbsent(vmName, session) != null) {
            throw new ProtectionException(ProtectionException.Reason.ALREADY_PROTECTED,
                    "VM " + vmName + " is already protected (see kemari:status)");
        }
        try {
            session.start();
        } catch (ProtectionException | RuntimeException e) {
            primaries.remove(vmName, session);
            throw e;
        }
        return session.status();
    }

    @Override
    public void unprotect(String vmName) throws ProtectionException {
        ProtectionSession session = primaries.remove(vmName);
        if (session == null) {
            throw new ProtectionException(ProtectionException.Reason.NOT_PROTECTED, "VM " + vmName + " is not protected by this node");
        }
        session.stop(true);
        LOG.info("VM {} is no longer protected", vmName);
    }

    @Override
    public ProtectionStatus failover(String vmName) throws ProtectionException {
        StandbySession session = standbySession(vmName).orElseThrow(() -> new ProtectionException(
                ProtectionException.Reason.NOT_PROTECTED, "this node is not the standby of VM '" + vmName + "'"));
        int failuresBefore = session.takeOverFailures();
        session.requestFailover();
        long deadline = System.currentTimeMillis() + 30_000;
        while (session.state() != ProtectionStatus.State.FAILED_OVER && session.state() != ProtectionStatus.State.ENDED
                && session.takeOverFailures() == failuresBefore && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return session.status();
    }

    @Override
    public Optional<ProtectionStatus> status(String vmName) {
        ProtectionSession p = primaries.get(vmName);
        if (p != null) {
            return Optional.of(p.status());
        }
        return standbySession(vmName).map(StandbySession::status);
    }

    @Override
    public List<ProtectionStatus> list() {
        List<ProtectionStatus> all = everySession(ProtectionSession::status, StandbySession::status);
        all.sort(Comparator.comparing(ProtectionStatus::vmName).thenComparing(ProtectionStatus::role));
        return all;
    }

    /** One item per primary and standby session of this node. */
    private <T> List<T> everySession(Function<ProtectionSession, T> primary, Function<StandbySession, T> standby) {
        List<T> all = new ArrayList<>();
        primaries.values().forEach(p -> all.add(primary.apply(p)));
        StandbyServer server = standbyServer;
        if (server != null) {
            server.sessions().forEach(s -> all.add(standby.apply(s)));
        }
        return all;
    }

    @Override
    public List<ProtectionMetrics> metrics() {
        List<ProtectionMetrics> all = everySession(ProtectionSession::metrics, StandbySession::metrics);
        all.sort(Comparator.comparing(ProtectionMetrics::vmName).thenComparing(ProtectionMetrics::role));
        return all;
    }

    @Override
    public EngineChoices choices() {
        Transport t = transport;
        CheckpointPolicy c = checkpointPolicy;
        FailoverPolicy f = failoverPolicy;
        return new EngineChoices(t == null ? "" : t.name(), c == null ? "" : c.name(), f == null ? "" : f.name());
    }

    @Override
    public StandbyListenerStatus standbyListener() {
        StandbyServer server = standbyServer;
        if (server == null) {
            return new StandbyListenerStatus(StandbyListenerStatus.State.DISABLED, "", "",
                    "not a standby (standby.listen is empty)", 0);
        }
        return server.status();
    }

    /** Where the standby server listens (null if not listening) and why not. */
    public String standbyListenerState() {
        return standbyListener().message();
    }

    /** Streams the standby failed on by an error of its own, not the peer's (tests: must stay 0). */
    long standbyFailuresOnInput() {
        StandbyServer server = standbyServer;
        return server == null ? 0 : server.failuresOnInput();
    }

    /** The standby server's bound address, for tests that listen on port 0. */
    public Endpoint standbyAddress() {
        StandbyServer server = standbyServer;
        return server == null ? null : server.bound();
    }

    private Optional<StandbySession> standbySession(String vmName) {
        StandbyServer server = standbyServer;
        if (server == null) {
            return Optional.empty();
        }
        return server.sessions().stream().filter(s -> s.hasSpec() && s.vmName().equals(vmName))
                .filter(s -> s.state() != ProtectionStatus.State.ENDED).findFirst();
    }

    // SessionServices and StandbyEnvironment

    /** Benchmarks and diagnostics: sees every epoch of the sessions started after this call. */
    void setEpochObserver(EpochObserver observer) {
        epochObserver = observer == null ? EpochObserver.NONE : observer;
    }

    @Override
    public EpochObserver epochObserver() {
        return epochObserver;
    }

    @Override
    public Transport transport() {
        return transport;
    }

    @Override
    public CheckpointPolicy checkpointPolicy() {
        return checkpointPolicy;
    }

    @Override
    public List<CheckpointDeviceProvider> deviceProviders() {
        return providers.stream().sorted(Comparator.comparingInt(RankedProvider::ranking).reversed()
                .thenComparingLong(RankedProvider::serviceId)).map(RankedProvider::provider).toList();
    }

    @Override
    public VmManager vmManager() {
        return vmManager;
    }

    @Override
    public BackendRegistry backends() {
        return backends;
    }

    @Override
    public FailoverPolicy failoverPolicy() {
        return failoverPolicy;
    }

    @Override
    public long initialSyncTimeoutMillis() {
        return settings.initialSyncTimeoutMillis();
    }

    @Override
    public StandbyLimits standbyLimits() {
        return standbyLimits;
    }

    @Override
    public Path replicatedDiskRoot() {
        return replicatedDiskRoot;
    }

    @Override
    public boolean isStandbyFor(String vmName, StandbySession except) {
        StandbyServer server = standbyServer;
        return server != null && server.sessions().stream().anyMatch(s -> s != except && s.hasSpec()
                && s.vmName().equals(vmName) && s.state() != ProtectionStatus.State.ENDED
                && s.state() != ProtectionStatus.State.FAILED_OVER);
    }

    /** Outside OSGi (tests): swap a service as DS would. */
    public void setCheckpointPolicy(CheckpointPolicy policy) {
        this.checkpointPolicy = policy;
    }

    /** Outside OSGi (tests). */
    public void addDeviceProvider(CheckpointDeviceProvider provider) {
        providers.add(new RankedProvider(provider, 0, providers.size()));
    }

    private record RankedProvider(CheckpointDeviceProvider provider, int ranking, long serviceId) {
    }
}
