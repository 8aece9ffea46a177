package org.kemari.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.inject.Inject;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.apache.karaf.features.FeaturesService;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.kemari.api.hv.BackendStatus;
import org.kemari.api.management.BackendRegistry;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/** The built distribution boots with Kemari installed, and its first commands and MBean work. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KemariDistributionIT extends KemariTestSupport {

    private static final List<String> KEMARI_BUNDLES = List.of("kemari-api", "kemari-core", "kemari-guest",
            "kemari-hv-kvm", "kemari-hv-xen", "kemari-command", "kemari-management");

    @Inject
    private BundleContext context;

    @Inject
    private FeaturesService features;

    @Inject
    private ServiceComponentRuntime scr;

    @Inject
    private BackendRegistry registry;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() {
        return baseConfig();
    }

    @Test
    public void kemariFeaturesAreInstalled() throws Exception {
        for (String feature : List.of("kemari", "kemari-core", "kemari-hv-kvm", "kemari-hv-xen", "kemari-shell",
                "kemari-management")) {
            assertTrue(feature + " installed", features.isInstalled(features.getFeature(feature)));
        }
        Map<String, Integer> states = new HashMap<>();
        for (Bundle b : context.getBundles()) {
            states.put(b.getSymbolicName(), b.getState());
        }
        for (String bundle : KEMARI_BUNDLES) {
            assertEquals(bundle + " active", Integer.valueOf(Bundle.ACTIVE), states.get(bundle));
        }
    }

    @Test
    public void everyKemariComponentIsActive() {
        List<String> notActive = scr.getComponentDescriptionDTOs().stream()
                .filter(d -> d.bundle.symbolicName.startsWith("kemari-"))
                .filter(d -> !isActive(d) && !waitsForItsConfiguration(d))
                .map(d -> d.name)
                .collect(Collectors.toList());
        assertTrue("components not active: " + notActive, notActive.isEmpty());
        // Only the tls transport waits for a configuration (its key and trust stores); nothing else may.
        List<String> waiting = scr.getComponentDescriptionDTOs().stream()
                .filter(d -> d.bundle.symbolicName.startsWith("kemari-")).filter(this::waitsForItsConfiguration)
                .map(d -> d.name).collect(Collectors.toList());
        assertEquals(List.of("org.kemari.transport.tcp.internal.TlsTransport"), waiting);
        long count = scr.getComponentDescriptionDTOs().stream()
                .filter(d -> d.bundle.symbolicName.startsWith("kemari-")).count();
        assertTrue("expected the Kemari components, found " + count, count >= 5);
    }

    /** A component that needs a configuration (policy "require") and has none yet: inactive by design. */
    private boolean waitsForItsConfiguration(ComponentDescriptionDTO description) {
        return "require".equals(description.configurationPolicy) && !isActive(description)
                && scr.getComponentConfigurationDTOs(description).isEmpty();
    }

    private boolean isActive(ComponentDescriptionDTO description) {
        return scr.getComponentConfigurationDTOs(description).stream()
                .anyMatch(c -> c.state == ComponentConfigurationDTO.ACTIVE || c.state == ComponentConfigurationDTO.SATISFIED);
    }

    @Test
    public void backendsCommandTellsTheTruthAboutThisHost() throws Exception {
        String output = execute("kemari:backends");
        boolean kvmHere = Files.isReadable(Path.of("/dev/kvm")) && Files.isWritable(Path.of("/dev/kvm"));
        String kvmLine = line(output, "kvm");
        String xenLine = line(output, "xen");
        assertTrue(output, kvmLine.matches("kvm\\s+\\| " + (kvmHere ? "yes" : "no") + "\\s+\\| .+"));
        assertTrue(output, xenLine.matches("xen\\s+\\| no\\s+\\| .+"));
        BackendStatus xen = registry.probe("xen");
        assertTrue(xenLine, xenLine.endsWith(xen.reason()));
    }

    @Test
    public void backendsCommandRejectsBadInputInOneLine() throws Exception {
        try {
            execute("kemari:backends vmware");
            org.junit.Assert.fail("an unknown backend must be an error");
        } catch (IllegalArgumentException e) {
            assertEquals("unknown backend 'vmware'; installed backends: kvm, xen", e.getMessage());
        }
        try {
            execute("kemari:backends --no-such-option");
            org.junit.Assert.fail("an unknown option must be an error");
        } catch (Exception e) {
            assertNotNull(e.getMessage());
            assertTrue(e.getMessage(), e.getMessage().contains("--no-such-option"));
            assertFalse(e.getMessage(), e.getMessage().contains("\n"));
        }
    }

    @Test
    public void backendsMBeanIsReadableOverRemoteJmx() throws Exception {
        // Pax Exam picks the RMI ports; the management configuration says which.
        Dictionary<String, Object> jmx = configAdmin.getConfiguration("org.apache.karaf.management", null).getProperties();
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi://127.0.0.1:" + jmx.get("rmiServerPort")
                + "/jndi/rmi://127.0.0.1:" + jmx.get("rmiRegistryPort") + "/karaf-root");
        Map<String, Object> env = Map.of(JMXConnector.CREDENTIALS, new String[] {ADMIN_USER, ADMIN_PASSWORD});
        try (JMXConnector connector = JMXConnectorFactory.connect(url, env)) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            ObjectName name = new ObjectName("org.kemari:type=Backends");
            TabularData table = (TabularData) server.getAttribute(name, "Backends");
            CompositeData xen = table.get(new Object[] {"xen"});
            assertEquals(Boolean.FALSE, xen.get("usable"));
            assertEquals(registry.probe("xen").reason(), xen.get("reason"));
            CompositeData kvm = table.get(new Object[] {"kvm"});
            assertEquals(registry.probe("kvm").usable(), kvm.get("usable"));
            String[] usable = (String[]) server.getAttribute(name, "UsableBackends");
            assertEquals(registry.probe("kvm").usable(), Arrays.asList(usable).contains("kvm"));
        }
    }

    @Test
    public void anUnprotectedTestGuestRunsFromTheShell() throws Exception {
        org.junit.Assume.assumeTrue("needs a usable KVM", registry.probe("kvm").usable());
        String started = execute("kemari:vm-start --memory 32M --workload dirtier -o guest.pace-us=1000 shellvm");
        assertTrue(started, started.startsWith("VM shellvm started on kvm: running, 32 MiB"));
        String list = execute("kemari:vm-list");
        assertTrue(list, list.matches("(?s).*shellvm\\s+kvm\\s+running\\s+32M\\s+1\\s+test-guest.*"));
        try {
            execute("kemari:vm-start shellvm");
            org.junit.Assert.fail("a second VM of the same name must be refused");
        } catch (IllegalArgumentException e) {
            assertEquals("a VM named 'shellvm' already exists on this node", e.getMessage());
        }
        assertEquals("VM shellvm stopped.", execute("kemari:vm-stop shellvm").trim());
        assertTrue(execute("kemari:vm-list").startsWith("No VMs on this node"));
    }

    @Test
    public void badVmInputIsAOneLineError() throws Exception {
        try {
            execute("kemari:vm-start --image /nonexistent/guest.bin badvm");
            org.junit.Assert.fail();
        } catch (Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("/nonexistent/guest.bin"));
            assertFalse(e.getMessage(), e.getMessage().contains("\n"));
        }
        try {
            execute("kemari:vm-stop nosuchvm");
            org.junit.Assert.fail();
        } catch (IllegalArgumentException e) {
            assertEquals("no VM named 'nosuchvm' on this node", e.getMessage());
        }
    }

    @Test
    public void protectingAVmToANodeThatAlreadyRunsItIsRefusedClearly() throws Exception {
        org.junit.Assume.assumeTrue("needs a usable KVM", registry.probe("kvm").usable());
        String status = execute("kemari:status");
        // The standby listener's line first (a node that stopped listening says so before anything else).
        assertTrue(status, status.startsWith("Standby: listening on 127.0.0.1:7788"));
        assertTrue(status, status.lines().anyMatch(l -> l.startsWith("Nothing is protected here")));
        execute("kemari:vm-start --memory 32M -o guest.pace-us=1000 selfvm");
        try {
            // This node's own standby listener (the default 127.0.0.1:7788) already has a VM of that name.
            execute("kemari:protect selfvm 127.0.0.1:7788");
            org.junit.Assert.fail("protecting a VM to its own node must be refused");
        } catch (Exception e) {
            assertEquals("standby 127.0.0.1:7788 refused: a VM named 'selfvm' already exists on the standby", e.getMessage());
        } finally {
            execute("kemari:vm-stop selfvm");
        }
        try {
            execute("kemari:protect selfvm nocolon");
            org.junit.Assert.fail();
        } catch (Exception e) {
            assertEquals("expected host:port, got 'nocolon'", e.getMessage());
        }
    }

    private static String line(String output, String backend) {
        return Arrays.stream(output.split("\\R")).filter(l -> l.startsWith(backend + " "))
                .findFirst().orElseThrow(() -> new AssertionError("no line for " + backend + " in:\n" + output));
    }
}
