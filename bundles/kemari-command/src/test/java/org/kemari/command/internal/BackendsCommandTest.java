package org.kemari.command.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.Before;
import org.junit.Test;
import org.kemari.api.hv.BackendStatus;
import org.kemari.api.hv.BackendStatus.Detail;
import org.kemari.core.internal.BackendRegistryImpl;


public class BackendsCommandTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private BackendsCommand command;

    @Before
    public void setUp() {
        BackendRegistryImpl registry = new BackendRegistryImpl();
        registry.add(new FakeBackend("kvm", new BackendStatus("kvm", true, "KVM API 12, all required capabilities present",
                List.of(new Detail("open /dev/kvm", true, "ok"), new Detail("KVM_GET_API_VERSION", true, "12")))), 0, 1);
        registry.add(new FakeBackend("xen", new BackendStatus("xen", false, "libxenctrl is not installed",
                List.of(new Detail("load libxenctrl", false, "not found")))), 0, 2);
        command = new BackendsCommand();
        command.registry = registry;
        command.out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    public void listsEveryBackendWithUsabilityAndReason() {
        command.execute();
        String[] lines = output().split("\n");
        assertEquals(4, lines.length);
        assertTrue(lines[2], lines[2].matches("kvm\\s+\\| yes\\s+\\| KVM API 12.*"));
        assertTrue(lines[3], lines[3].matches("xen\\s+\\| no\\s+\\| libxenctrl is not installed"));
    }

    @Test
    public void verboseShowsEachProbeStep() {
        command.verbose = true;
        command.backend = "xen";
        command.execute();
        assertTrue(output(), output().contains("FAIL     load libxenctrl: not found"));
        assertFalse(output(), output().contains("kvm"));
    }

    @Test
    public void unknownBackendIsAOneLineErrorNamingTheKnownOnes() {
        command.backend = "vmware";
        try {
            command.execute();
            org.junit.Assert.fail("expected an error");
        } catch (IllegalArgumentException e) {
            assertEquals("unknown backend 'vmware'; installed backends: kvm, xen", e.getMessage());
        }
    }

    @Test
    public void noBackendInstalledSaysWhatToInstall() {
        command.registry = new BackendRegistryImpl();
        command.execute();
        assertTrue(output(), output().startsWith("No hypervisor backend is installed"));
    }
}
