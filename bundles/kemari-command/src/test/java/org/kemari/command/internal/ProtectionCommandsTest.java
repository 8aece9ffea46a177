package org.kemari.command.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.Test;
import org.kemari.api.management.Distribution;
import org.kemari.api.management.ProtectionException;
import org.kemari.api.management.ProtectionManager;
import org.kemari.api.management.ProtectionMetrics;
import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.management.ProtectionStatus.Role;
import org.kemari.api.management.ProtectionStatus.State;
import org.kemari.api.management.StandbyListenerStatus;
import org.kemari.api.transport.Endpoint;

public class ProtectionCommandsTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final List<String> calls = new ArrayList<>();

    private static ProtectionStatus row(String vm, Role role, State state, String message) {
        return new ProtectionStatus(vm, role, state, "127.0.0.1:7788", 41, 42, 1, 180, 150, "event-driven", "tcp", message);
    }

    private final ProtectionManager manager = new ProtectionManager() {
        @Override
        public ProtectionStatus protect(String vmName, Endpoint standby) throws ProtectionException {
            calls.add("protect " + vmName + " " + standby);
            if (vmName.equals("ghost")) {
                throw new ProtectionException(ProtectionException.Reason.UNKNOWN_VM, "no VM named 'ghost' on this node");
            }
            return new ProtectionStatus(vmName, Role.PRIMARY, State.PROTECTED, standby.toString(), 0, 1, 0, 900, 900,
                    "event-driven", "tcp", "protected");
        }

        @Override
        public void unprotect(String vmName) throws ProtectionException {
            throw new ProtectionException(ProtectionException.Reason.NOT_PROTECTED, "VM " + vmName + " is not protected by this node");
        }

        @Override
        public ProtectionStatus failover(String vmName) {
            return row(vmName, Role.STANDBY, State.FAILED_OVER, "took over at epoch 41");
        }

        @Override
        public Optional<ProtectionStatus> status(String vmName) {
            return list().stream().filter(s -> s.vmName().equals(vmName)).findFirst();
        }

        @Override
        public List<ProtectionStatus> list() {
            return List.of(row("web", Role.PRIMARY, State.UNPROTECTED, "standby lost"),
                    row("db", Role.STANDBY, State.PROTECTED, "keeping db"));
        }

        @Override
        public StandbyListenerStatus standbyListener() {
            return listener;
        }

        @Override
        public List<ProtectionMetrics> metrics() {
            return List.of(new ProtectionMetrics("db", Role.STANDBY, 40, 3 << 20, 0, 0, 0, Distribution.EMPTY,
                            Distribution.EMPTY, Distribution.EMPTY, Distribution.EMPTY),
                    new ProtectionMetrics("web", Role.PRIMARY, 42, 5_500_000, 90, 88, 0, new Distribution(42, 180, 260, 900, 1500),
                            new Distribution(41, 1200, 2000, 4000, 9000), new Distribution(41, 40960, 81920, 200000, 400000),
                            Distribution.EMPTY));
        }
    };

    private StandbyListenerStatus listener = new StandbyListenerStatus(StandbyListenerStatus.State.DISABLED, "", "",
            "not a standby (standby.listen is empty)", 0);

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    public void protectParsesTheStandbyAndReportsTheInitialCopy() throws Exception {
        ProtectCommand c = new ProtectCommand();
        c.protection = manager;
        c.out = out;
        c.vm = "web";
        c.standby = "10.0.0.2:7788";
        c.execute();
        assertEquals(List.of("protect web 10.0.0.2:7788"), calls);
        assertEquals("VM web is protected by 10.0.0.2:7788 (initial copy committed; epoch 0, final pause 900 µs)\n", output());
    }

    @Test
    public void badInputIsOneClearLine() {
        ProtectCommand c = new ProtectCommand();
        c.protection = manager;
        c.vm = "web";
        c.standby = "nocolon";
        assertEquals("expected host:port, got 'nocolon'", assertThrows(IllegalArgumentException.class, c::execute).getMessage());
        c.vm = "ghost";
        c.standby = "h:1";
        assertEquals("no VM named 'ghost' on this node", assertThrows(ProtectionException.class, c::execute).getMessage());
        UnprotectCommand u = new UnprotectCommand();
        u.protection = manager;
        u.vm = "web";
        assertEquals("VM web is not protected by this node", assertThrows(ProtectionException.class, u::execute).getMessage());
        StatusCommand s = new StatusCommand();
        s.protection = manager;
        s.vm = "nope";
        assertTrue(assertThrows(IllegalArgumentException.class, s::execute).getMessage().startsWith("VM nope is neither"));
    }

    @Test
    public void statusShowsRolesStatesAndMessages() {
        StatusCommand s = new StatusCommand();
        s.protection = manager;
        s.out = out;
        s.execute();
        String[] lines = output().split("\n");
        assertEquals(3, lines.length);
        assertTrue(lines[1], lines[1].matches("web\\s+primary\\s+unprotected\\s+127.0.0.1:7788\\s+41\\s+42\\s+1\\s+180\\s+150\\s+standby lost \\[event-driven\\]"));
        assertTrue(lines[2], lines[2].matches("db\\s+standby\\s+protected\\s+.*keeping db.*"));
    }

    @Test
    public void failoverReportsWhatHappened() throws Exception {
        FailoverCommand f = new FailoverCommand();
        f.protection = manager;
        f.out = out;
        f.vm = "db";
        f.execute();
        assertEquals("VM db took over at epoch 41\n", output());
    }

    @Test
    public void statusSaysFirstWhenTheStandbyDoesNotListen() {
        listener = new StandbyListenerStatus(StandbyListenerStatus.State.NOT_LISTENING, "0.0.0.0:7788", "",
                "NOT LISTENING on 0.0.0.0:7788: address already in use; retrying every 1000 ms", 3);
        StatusCommand s = new StatusCommand();
        s.protection = manager;
        s.out = out;
        s.execute();
        String[] lines = output().split("\n");
        assertEquals("Standby: NOT LISTENING on 0.0.0.0:7788: address already in use; retrying every 1000 ms (restarted 3 times)",
                lines[0]);
        assertEquals(4, lines.length);
    }

    @Test
    public void statusShowsWhereTheStandbyListens() {
        listener = new StandbyListenerStatus(StandbyListenerStatus.State.LISTENING, "127.0.0.1:7788", "127.0.0.1:7788",
                "listening on 127.0.0.1:7788", 0);
        StatusCommand s = new StatusCommand();
        s.protection = manager;
        s.out = out;
        s.execute();
        assertEquals("Standby: listening on 127.0.0.1:7788", output().split("\n")[0]);
    }

    @Test
    public void verboseStatusAddsCountersAndPercentilesPerVm() {
        StatusCommand s = new StatusCommand();
        s.protection = manager;
        s.out = out;
        s.verbose = true;
        s.vm = "web";
        s.execute();
        String[] lines = output().split("\n");
        assertEquals(List.of("",
                "web (primary): 42 epochs, 5.2 MiB sent, 90 outputs held, 88 released",
                "  pause (µs)          p50 180  p90 260  p99 900  max 1500  (42 values)",
                "  ack latency (µs)    p50 1200  p90 2000  p99 4000  max 9000  (41 values)",
                "  epoch size (bytes)  p50 40960  p90 81920  p99 200000  max 400000  (41 values)",
                "  output hold (µs)    none yet"), List.of(lines).subList(2, lines.length));
    }

    @Test
    public void verboseStatusOfAStandbyCopy() {
        StatusCommand s = new StatusCommand();
        s.protection = manager;
        s.out = out;
        s.verbose = true;
        s.execute();
        assertTrue(output(), output().contains("\ndb (standby): 40 epochs committed, 3.0 MiB received, not taken over\n"));
        assertTrue(output(), output().contains("\nweb (primary): 42 epochs"));
    }

    @Test
    public void sizesAreReadable() {
        assertEquals("812 bytes", Sizes.human(812));
        assertEquals("1.0 KiB", Sizes.human(1024));
        assertEquals("1.5 GiB", Sizes.human(3L << 29));
    }
}
