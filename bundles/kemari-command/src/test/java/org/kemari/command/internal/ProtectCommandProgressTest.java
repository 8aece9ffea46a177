package org.kemari.command.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.Test;
import org.kemari.api.management.ProtectionException;
import org.kemari.api.management.ProtectionManager;
import org.kemari.api.management.ProtectionStatus;
import org.kemari.api.management.ProtectionStatus.Role;
import org.kemari.api.management.ProtectionStatus.State;

/** kemari:protect while the initial copy runs: progress lines, or a background copy. */
public class ProtectCommandProgressTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CountDownLatch copyDone = new CountDownLatch(1);
    private final AtomicInteger polls = new AtomicInteger();

    private static ProtectionStatus status(State state, long committed, String message) {
        return new ProtectionStatus("web", Role.PRIMARY, state, "10.0.0.2:7788", committed, 1, 0, 700, 700, "", "tcp", message);
    }

    /** A copy that takes until {@link #copyDone}; its progress advances with every status query. */
    private ProtectionManager slowCopy() {
        return (ProtectionManager) Proxy.newProxyInstance(ProtectionManager.class.getClassLoader(),
                new Class<?>[] {ProtectionManager.class}, (p, m, a) -> switch (m.getName()) {
                    case "protect" -> {
                        if (a[0].equals("ghost")) {
                            throw new ProtectionException(ProtectionException.Reason.UNKNOWN_VM, "no VM named 'ghost' on this node");
                        }
                        copyDone.await(10, TimeUnit.SECONDS);
                        yield status(State.PROTECTED, 0, "protected by 10.0.0.2:7788");
                    }
                    case "status" -> {
                        int n = polls.incrementAndGet();
                        if (n == 3) {
                            copyDone.countDown();
                        }
                        yield Optional.of(status(State.SYNCHRONIZING, -1,
                                "initial copy: " + (n * 10) + ".0 of about 128.0 MiB sent (" + (n * 100 / 13) + " %)"));
                    }
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private ProtectCommand command(String vm) {
        ProtectCommand c = new ProtectCommand();
        c.protection = slowCopy();
        c.out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        c.vm = vm;
        c.standby = "10.0.0.2:7788";
        c.progressEveryMillis = 50;
        c.earlyFailureMillis = 200;
        return c;
    }

    private List<String> lines() {
        return List.of(bytes.toString(StandardCharsets.UTF_8).split("\n"));
    }

    @Test
    public void theCopysProgressIsPrintedUntilItIsCommitted() throws Exception {
        command("web").execute();
        List<String> lines = lines();
        assertEquals(lines.toString(), "VM web is protected by 10.0.0.2:7788 (initial copy committed; epoch 0, final pause 700 µs)",
                lines.get(lines.size() - 1));
        assertTrue(lines.toString(), lines.size() >= 3);
        assertEquals("initial copy: 10.0 of about 128.0 MiB sent (7 %)", lines.get(0));
        assertEquals("initial copy: 20.0 of about 128.0 MiB sent (15 %)", lines.get(1));
    }

    @Test
    public void inTheBackgroundItReturnsWhileTheCopyRuns() throws Exception {
        ProtectCommand c = command("web");
        c.background = true;
        c.execute();
        assertEquals(List.of("Protecting VM web with 10.0.0.2:7788 in the background: kemari:status web shows the initial"
                + " copy's progress; the log says when it is protected or why not"), lines());
        assertEquals("the copy still runs", 1, copyDone.getCount());
        copyDone.countDown();
    }

    @Test
    public void anEarlyFailureInTheBackgroundIsStillTheCommandsError() {
        ProtectCommand c = command("ghost");
        c.background = true;
        assertEquals("no VM named 'ghost' on this node", assertThrows(ProtectionException.class, c::execute).getMessage());
    }
}
