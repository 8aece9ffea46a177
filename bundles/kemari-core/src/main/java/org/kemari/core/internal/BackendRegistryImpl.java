package org.kemari.core.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.HypervisorBackend;
import org.kemari.api.management.BackendRegistry;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Tracks the installed hypervisor backends. Among backends of the same name the highest
 * {@code service.ranking} wins, then the lowest {@code service.id}.
 */
@Component(service = BackendRegistry.class)
public class BackendRegistryImpl implements BackendRegistry {

    private final List<Ranked> backends = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addBackend(HypervisorBackend backend, Map<String, Object> props) {
        backends.add(new Ranked(backend, intProp(props, Constants.SERVICE_RANKING, 0),
                longProp(props, Constants.SERVICE_ID, Long.MAX_VALUE)));
    }

    void removeBackend(HypervisorBackend backend) {
        backends.removeIf(r -> r.backend == backend);
    }

    /** For unit tests and for callers outside OSGi. */
    public void add(HypervisorBackend backend, int ranking, long serviceId) {
        backends.add(new Ranked(backend, ranking, serviceId));
    }

    @Override
    public List<String> names() {
        return List.copyOf(winners().keySet());
    }

    @Override
    public Optional<HypervisorBackend> find(String name) {
        return Optional.ofNullable(winners().get(name));
    }

    @Override
    public List<BackendStatus> probeAll() {
        List<BackendStatus> result = new ArrayList<>();
        for (HypervisorBackend b : winners().values()) {
            result.add(safeProbe(b));
        }
        return result;
    }

    @Override
    public BackendStatus probe(String name) {
        HypervisorBackend backend = winners().get(name);
        if (backend == null) {
            throw new IllegalArgumentException(unknownBackendMessage(name));
        }
        return safeProbe(backend);
    }

    /** The "unknown backend" message, listing the known names. */
    String unknownBackendMessage(String name) {
        List<String> known = names();
        return "unknown backend '" + name + "'; installed backends: "
                + (known.isEmpty() ? "none" : String.join(", ", known));
    }

    private static BackendStatus safeProbe(HypervisorBackend backend) {
        try {
            return backend.probe();
        } catch (RuntimeException | LinkageError e) {
            // The SPI says probe() never throws; a backend that does is reported, not propagated.
            return new BackendStatus(backend.name(), false, "probe failed: " + e, List.of());
        }
    }

    private Map<String, HypervisorBackend> winners() {
        Map<String, Ranked> best = new TreeMap<>();
        Comparator<Ranked> order = Comparator.comparingInt((Ranked r) -> r.ranking).reversed()
                .thenComparingLong(r -> r.serviceId);
        for (Ranked r : backends) {
            best.merge(r.backend.name(), r, (a, b) -> order.compare(a, b) <= 0 ? a : b);
        }
        Map<String, HypervisorBackend> result = new TreeMap<>();
        best.forEach((name, r) -> result.put(name, r.backend));
        return result;
    }

    private static int intProp(Map<String, Object> props, String key, int dflt) {
        Object v = props.get(key);
        return v instanceof Integer i ? i : dflt;
    }

    private static long longProp(Map<String, Object> props, String key, long dflt) {
        Object v = props.get(key);
        return v instanceof Long l ? l : dflt;
    }

    private record Ranked(HypervisorBackend backend, int ranking, long serviceId) {
    }
}
