package org.kemari.command.internal;

import static org.junit.Assert.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.Test;
import org.kemari.api.management.EngineChoices;
import org.kemari.api.management.ProtectionManager;
import org.kemari.api.policy.CheckpointPolicy;
import org.kemari.api.policy.FailoverPolicy;
import org.kemari.api.transport.Transport;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;

public class PoliciesCommandTest {

    private static Bundle bundle(String name) {
        return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getSymbolicName" -> name;
                    case "getVersion" -> new Version(0, 1, 0, "SNAPSHOT");
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private static ServiceReference<?> ref(String property, String value, String bundle) {
        return (ServiceReference<?>) Proxy.newProxyInstance(ServiceReference.class.getClassLoader(),
                new Class<?>[] {ServiceReference.class}, (p, m, a) -> switch (m.getName()) {
                    case "getProperty" -> property.equals(a[0]) ? value : null;
                    case "getBundle" -> bundle(bundle);
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    public void installedServicesWithTheirBundlesAndTheOnesInUse() throws Exception {
        Map<Class<?>, List<ServiceReference<?>>> services = Map.of(
                Transport.class, List.of(ref(Transport.NAME_PROPERTY, "tcp", "kemari-transport-tcp")),
                CheckpointPolicy.class, List.of(ref(CheckpointPolicy.NAME_PROPERTY, "periodic", "kemari-policy-checkpoint"),
                        ref(CheckpointPolicy.NAME_PROPERTY, "batching", "kemari-example-policy")),
                FailoverPolicy.class, List.of());
        BundleContext context = (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (p, m, a) -> {
                    if (m.getName().equals("getServiceReferences") && a[0] instanceof Class<?> type) {
                        return services.get(type);
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        ProtectionManager engine = (ProtectionManager) Proxy.newProxyInstance(ProtectionManager.class.getClassLoader(),
                new Class<?>[] {ProtectionManager.class}, (p, m, a) -> {
                    if (m.getName().equals("choices")) {
                        return new EngineChoices("tcp", "batching", "");
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PoliciesCommand c = new PoliciesCommand();
        c.protection = engine;
        c.context = context;
        c.out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        c.execute();
        assertEquals(String.join("\n",
                "Transports (transport.target chooses):",
                "  * tcp              kemari-transport-tcp 0.1.0.SNAPSHOT",
                "Checkpoint policies (checkpointPolicy.target chooses):",
                "  * batching         kemari-example-policy 0.1.0.SNAPSHOT",
                "    periodic         kemari-policy-checkpoint 0.1.0.SNAPSHOT",
                "Failover policies (failoverPolicy.target chooses):",
                "  (none installed)", ""), bytes.toString(StandardCharsets.UTF_8));
    }
}
