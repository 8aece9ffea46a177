package org.kemari.core.internal;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.kemari.api.hv.HypervisorBackend;
import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.Vm;
import org.kemari.api.hv.VmSpec;
import org.kemari.api.management.BackendRegistry;
import org.kemari.api.management.VmManager;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Keeps the VMs of this node by name; stops them all when the component goes away. */
@Component(service = VmManager.class)
public class VmManagerImpl implements VmManager {
    private static final Logger LOG = LoggerFactory.getLogger(VmManagerImpl.class);

    /** A name is reserved (vm == null) while its VM is being created, so two starts cannot both win. */
    private final Map<String, Slot> vms = new ConcurrentHashMap<>();

    @Reference
    private BackendRegistry backends;

    public VmManagerImpl() {
    }

    /** For unit tests and for callers outside OSGi. */
    public VmManagerImpl(BackendRegistry backends) {
        this.backends = Objects.requireNonNull(backends);
    }

    @Override
    public Vm start(String backend, VmSpec spec) throws HypervisorException {
        HypervisorBackend hv = backends.find(backend).orElseThrow(() -> new IllegalArgumentException(
                "unknown backend '" + backend + "'; installed backends: " + String.join(", ", backends.names())));
        Slot reservation = new Slot(null);
        if (vms.putIfAbsent(spec.name(), reservation) != null) {
            throw new IllegalArgumentException("a VM named '" + spec.name() + "' already exists on this node");
        }
        try {
            Vm vm = hv.create(spec);
            vms.put(spec.name(), new Slot(vm));
            LOG.info("Started VM {} on {} ({} MiB, image {})", spec.name(), backend,
                    spec.memoryBytes() >> 20, spec.image());
            return vm;
        } catch (HypervisorException | RuntimeException e) {
            vms.remove(spec.name(), reservation);
            throw e;
        }
    }

    @Override
    public Optional<Vm> find(String name) {
        Slot slot = vms.get(name);
        return slot == null ? Optional.empty() : Optional.ofNullable(slot.vm);
    }

    @Override
    public List<Vm> list() {
        return vms.values().stream().map(s -> s.vm).filter(Objects::nonNull)
                .sorted(Comparator.comparing(v -> v.spec().name())).toList();
    }

    @Override
    public void stop(String name) {
        Vm vm = find(name).orElseThrow(() -> new IllegalArgumentException("no VM named '" + name + "' on this node"));
        vms.remove(name);
        vm.close();
        LOG.info("Stopped VM {}", name);
    }

    @Override
    public void adopt(Vm vm) {
        if (vms.putIfAbsent(vm.spec().name(), new Slot(vm)) != null) {
            throw new IllegalArgumentException("a VM named '" + vm.spec().name() + "' already exists on this node");
        }
    }

    @Deactivate
    void deactivate() {
        for (Vm vm : list()) {
            LOG.info("Stopping VM {} because the VM manager is going away", vm.spec().name());
            vm.close();
        }
        vms.clear();
    }

    private record Slot(Vm vm) {
    }
}
