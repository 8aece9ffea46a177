package org.kemari.management.internal;

import static org.junit.Assert.assertEquals;

import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.UnicastRemoteObject;
import java.util.List;

import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.After;
import org.junit.Test;
import org.kemari.api.management.Distribution;
import org.kemari.api.management.ProtectionMBean;
import org.kemari.api.management.ProtectionManager;
import org.kemari.api.management.ProtectionMetrics;
import org.kemari.api.management.ProtectionStatus.Role;

/**
 * The metrics as a JMX console sees them: the MBean registered in an MBean server, read by a client
 * over a real RMI connector (the protocol jconsole and Karaf's JMX use), open types only.
 */
public class MetricsOverRemoteJmxTest {
    private Registry registry;
    private JMXConnectorServer server;

    @After
    public void tearDown() throws Exception {
        if (server != null) {
            server.stop();
        }
        if (registry != null) {
            UnicastRemoteObject.unexportObject(registry, true);
        }
    }

    private static ProtectionManager manager(List<ProtectionMetrics> metrics) {
        return (ProtectionManager) Proxy.newProxyInstance(ProtectionManager.class.getClassLoader(),
                new Class<?>[] {ProtectionManager.class}, (p, m, a) -> switch (m.getName()) {
                    case "metrics" -> metrics;
                    case "list" -> List.of();
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    public void aRemoteClientReadsEveryCounterAndPercentile() throws Exception {
        ProtectionMetrics web = new ProtectionMetrics("web", Role.PRIMARY, 1200, 5_000_000, 800, 790, 0,
                new Distribution(1200, 180, 260, 900, 1500), new Distribution(1199, 1200, 2000, 4000, 9000),
                new Distribution(1199, 40960, 81920, 200000, 400000), new Distribution(700, 1300, 2100, 4100, 9100));
        ProtectionMetrics copy = new ProtectionMetrics("web", Role.STANDBY, 1100, 4_900_000, 0, 0, 1,
                Distribution.EMPTY, Distribution.EMPTY, Distribution.EMPTY, Distribution.EMPTY);
        ProtectionMBeanImpl bean = new ProtectionMBeanImpl();
        bean.protection = manager(List.of(web, copy));

        MBeanServer mbs = MBeanServerFactory.newMBeanServer();
        ObjectName name = new ObjectName(ProtectionMBean.OBJECT_NAME);
        mbs.registerMBean(bean, name);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        registry = LocateRegistry.createRegistry(port);
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
        server = JMXConnectorServerFactory.newJMXConnectorServer(url, null, mbs);
        server.start();

        try (JMXConnector client = JMXConnectorFactory.connect(url)) {
            MBeanServerConnection conn = client.getMBeanServerConnection();
            TabularData table = (TabularData) conn.getAttribute(name, "Metrics");
            assertEquals(2, table.size());
            CompositeData primary = table.get(new Object[] {"web", "primary"});
            assertEquals(1200L, primary.get("epochs"));
            assertEquals(5_000_000L, primary.get("bytes"));
            assertEquals(800L, primary.get("outputsHeld"));
            assertEquals(790L, primary.get("outputsReleased"));
            CompositeData pause = (CompositeData) primary.get("pauseMicros");
            assertEquals(List.of(1200L, 180L, 260L, 900L, 1500L),
                    List.of(pause.get("count"), pause.get("p50"), pause.get("p90"), pause.get("p99"), pause.get("max")));
            assertEquals(4000L, ((CompositeData) primary.get("ackLatencyMicros")).get("p99"));
            assertEquals(40960L, ((CompositeData) primary.get("epochBytes")).get("p50"));
            assertEquals(9100L, ((CompositeData) primary.get("outputHoldMicros")).get("max"));
            CompositeData standby = table.get(new Object[] {"web", "standby"});
            assertEquals(1L, standby.get("failovers"));
            assertEquals(0L, ((CompositeData) standby.get("pauseMicros")).get("count"));
        }
    }
}
