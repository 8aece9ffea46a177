import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.junit.internal.builders.AllDefaultPossibilitiesBuilder;
import org.junit.internal.builders.JUnit4Builder;
import org.junit.internal.runners.statements.FailOnTimeout;
import org.junit.runner.Description;
import org.junit.runner.JUnitCore;
import org.junit.runner.Request;
import org.junit.runner.Result;
import org.junit.runner.notification.Failure;
import org.junit.runner.Runner;
import org.junit.runner.notification.RunListener;
import org.junit.runners.BlockJUnit4ClassRunner;
import org.junit.runners.model.FrameworkMethod;
import org.junit.runners.model.Statement;

/**
 * Runs JUnit 4 test classes with {@link JUnitCore} inside a lab box (scripts/lab/run-in-box.sh) and
 * prints one line per test and the summary line "N passed, N failed, N skipped". Exit status 1 when
 * a test failed or a class could not be loaded.
 *
 * <p>The box is a slower machine: the system property {@code kemari.test.timeScale} (the tests'
 * own knob, org.kemari.testing.TestTime) also multiplies every {@code @Test(timeout = ...)}, which
 * a test cannot scale itself (an annotation holds a constant), up to {@link #MAX_TIMEOUT_MS}.
 *
 * <p>A test that hangs must not eat the box's whole time budget and leave nothing but a timeout
 * (a CI run once stopped an hour into one test with no clue): a watchdog fails a test, with its
 * {@code @Before}/{@code @After}, that runs past its limit, prints every thread's stack, and ends
 * this JVM with {@link #EXIT_HUNG}. Usage: {@code BoxJUnit [--done FILE] CLASS...}; each class
 * this JVM finishes (or hangs in) is appended to FILE and skipped by the next JVM given the same
 * FILE, so the job script goes on with the classes left.
 */
public final class BoxJUnit {
    /** Exit status of a JVM whose watchdog found a hung test. */
    static final int EXIT_HUNG = 3;
    /** No scaled {@code @Test} timeout is longer (a 300 s timeout times ten would be 50 min). */
    static final long MAX_TIMEOUT_MS = TimeUnit.MINUTES.toMillis(15);
    /** How long a test without a timeout, or a test's {@code @After} past its timeout, may run. */
    static final long DEFAULT_LIMIT_MS = Long.getLong("box.testLimitMillis", TimeUnit.MINUTES.toMillis(15));
    static final long AFTER_GRACE_MS = TimeUnit.MINUTES.toMillis(2);

    static long scaledTimeout(long timeoutMs, double scale) {
        return Math.max(timeoutMs, Math.min(Math.round(timeoutMs * scale), MAX_TIMEOUT_MS));
    }

    /** What the watchdog watches: the running test (or class set-up) and when it must end. */
    private static final class Watch {
        private String what = "(starting)";
        private long deadline = Long.MAX_VALUE;

        synchronized void set(String what, long limitMs) {
            this.what = what;
            this.deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limitMs);
        }

        synchronized String current() {
            return what;
        }

        synchronized String overdue() {
            return System.nanoTime() - deadline > 0 ? what : null;
        }
    }

    private static double timeScale() {
        double s = Double.parseDouble(System.getProperty("kemari.test.timeScale", "1").trim());
        if (!(s >= 1)) {
            throw new IllegalArgumentException("kemari.test.timeScale must be >= 1, got " + s);
        }
        return s;
    }

    /** JUnit 4's default runners, with each {@code @Test(timeout)} multiplied by {@code scale}. */
    private static final class ScaledTimeouts extends AllDefaultPossibilitiesBuilder {
        private final double scale;

        ScaledTimeouts(double scale) {
            this.scale = scale;
        }

        @Override
        protected JUnit4Builder junit4Builder() {
            return new JUnit4Builder() {
                @Override
                public Runner runnerForClass(Class<?> testClass) throws Throwable {
                    return new BlockJUnit4ClassRunner(testClass) {
                        @Override
                        @SuppressWarnings("deprecation")
                        protected Statement withPotentialTimeout(FrameworkMethod method, Object test, Statement next) {
                            Test t = method.getAnnotation(Test.class);
                            long timeout = t == null ? 0 : t.timeout();
                            if (timeout <= 0) {
                                return next;
                            }
                            return FailOnTimeout.builder().withTimeout(scaledTimeout(timeout, scale), TimeUnit.MILLISECONDS)
                                    .build(next);
                        }
                    };
                }
            };
        }
    }

    public static void main(String[] argv) throws Exception {
        List<String> args = new ArrayList<>(List.of(argv));
        Path doneFile = null;
        if (args.size() >= 2 && args.get(0).equals("--done")) {
            doneFile = Path.of(args.get(1));
            args = args.subList(2, args.size());
        }
        Set<String> done = new HashSet<>();
        if (doneFile != null && Files.exists(doneFile)) {
            done.addAll(Files.readAllLines(doneFile));
        }
        Results results = new Results();
        double scale = timeScale();
        int reruns = Integer.getInteger("box.reruns", 2);
        Watch watch = new Watch();
        startWatchdog(watch, results);
        JUnitCore core = new JUnitCore();
        core.addListener(new RunListener() {
            private final ThreadLocal<Boolean> bad = ThreadLocal.withInitial(() -> false);
            private final ThreadLocal<Long> start = new ThreadLocal<>();

            @Override public void testStarted(Description d) {
                bad.set(false);
                start.set(System.nanoTime());
                Test t = d.getAnnotation(Test.class);
                long limit = t == null || t.timeout() <= 0 ? DEFAULT_LIMIT_MS : scaledTimeout(t.timeout(), scale) + AFTER_GRACE_MS;
                watch.set(d.getDisplayName(), limit);
            }
            @Override public void testFailure(Failure f) {
                bad.set(true);
                results.failed(f.getDescription().getDisplayName(), f.getTrace());
                System.out.println("BOX-TEST FAIL " + f.getDescription().getDisplayName() + ": " + f.getMessage());
            }
            @Override public void testAssumptionFailure(Failure f) {
                bad.set(true);
                results.skipped(f.getDescription().getDisplayName());
                System.out.println("BOX-TEST SKIP " + f.getDescription().getDisplayName() + ": " + f.getMessage());
            }
            @Override public void testIgnored(Description d) {
                results.skipped(d.getDisplayName());
                System.out.println("BOX-TEST SKIP " + d.getDisplayName() + " (@Ignore)");
            }
            @Override public void testFinished(Description d) {
                watch.set(d.getClassName() + " (between tests or class tear-down)", DEFAULT_LIMIT_MS);
                if (!bad.get()) {
                    results.passed(d.getDisplayName());
                    long ms = start.get() == null ? 0 : (System.nanoTime() - start.get()) / 1_000_000;
                    System.out.println("BOX-TEST PASS " + d.getDisplayName() + " (" + ms + " ms)");
                }
            }
        });
        ScaledTimeouts runners = new ScaledTimeouts(scale);
        System.out.println("BOX-TESTS time scale " + scale + " (kemari.test.timeScale), failed tests run again up to "
                + reruns + " times (box.reruns)");
        long t0 = System.nanoTime();
        for (String name : args) {
            if (done.contains(name)) {
                continue;
            }
            // Marked done before it runs: if it hangs, the next JVM goes on with the classes after it.
            markDone(doneFile, name);
            watch.set(name + " (class set-up or tear-down)", DEFAULT_LIMIT_MS);
            Class<?> c;
            try {
                c = Class.forName(name);
            } catch (Throwable e) {
                results.failed(name, "cannot load: " + e);
                System.out.println("BOX-TEST FAIL " + name + ": cannot load: " + e);
                continue;
            }
            long c0 = System.nanoTime();
            Result r = core.run(Request.runner(runners.safeRunnerForClass(c)));
            System.out.println("BOX-CLASS " + name + ": " + r.getRunCount() + " run, " + r.getFailureCount()
                    + " failed, " + r.getIgnoreCount() + " ignored in " + (System.nanoTime() - c0) / 1_000_000 + " ms");
            runFailedAgain(core, runners, c, r, reruns, results);
        }
        results.print();
        System.out.println("BOX-TESTS took " + (System.nanoTime() - t0) / 1_000_000_000 + " s");
        System.exit(results.anyFailed() ? 1 : 0);
    }

    /**
     * As the build does (surefire's rerunFailingTestsCount, kemari.test.reruns): a failed test
     * method runs again, up to {@code reruns} times; one that then passes is reported FLAKY with
     * its first failure, and counts as passed.
     */
    private static void runFailedAgain(JUnitCore core, ScaledTimeouts runners, Class<?> c, Result first, int reruns,
            Results results) {
        for (Failure f : first.getFailures()) {
            Description test = f.getDescription();
            if (test.getMethodName() == null) {
                continue; // a class-level failure (@BeforeClass): nothing to run alone
            }
            for (int run = 2; run <= reruns + 1; run++) {
                System.out.println("BOX-TEST RERUN " + test.getDisplayName() + " (run " + run + ")");
                Result again = core.run(Request.runner(runners.safeRunnerForClass(c)).filterWith(test));
                if (again.wasSuccessful() && again.getRunCount() == 1) {
                    System.out.println("BOX-TEST FLAKY " + test.getDisplayName() + ": passed on run " + run
                            + "; it first failed with: " + f.getMessage());
                    break;
                }
            }
        }
    }

    /** Each test's last result (a test run again overwrites its earlier one). */
    private static final class Results {
        private final Map<String, String> last = new java.util.LinkedHashMap<>();
        private final Map<String, String> traces = new java.util.LinkedHashMap<>();

        synchronized void passed(String test) {
            last.put(test, "PASS");
            traces.remove(test);
        }

        synchronized void failed(String test, String trace) {
            last.put(test, "FAIL");
            traces.put(test, trace);
        }

        synchronized void skipped(String test) {
            last.put(test, "SKIP");
        }

        synchronized boolean anyFailed() {
            return last.containsValue("FAIL");
        }

        synchronized void print() {
            traces.forEach((test, trace) -> System.out.println("---- " + test + ": " + trace));
            long passed = last.values().stream().filter("PASS"::equals).count();
            long failed = last.values().stream().filter("FAIL"::equals).count();
            long skipped = last.values().stream().filter("SKIP"::equals).count();
            System.out.println(passed + " passed, " + failed + " failed, " + skipped + " skipped");
        }
    }

    private static void markDone(Path doneFile, String name) throws IOException {
        if (doneFile != null) {
            Files.writeString(doneFile, name + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    /**
     * Fails an overdue test with every thread's stack and halts the JVM (a hung thread cannot be
     * stopped); prints a line a minute otherwise.
     */
    private static void startWatchdog(Watch watch, Results results) {
        Thread dog = new Thread(() -> {
            for (long tick = 1; ; tick++) {
                try {
                    Thread.sleep(5_000);
                } catch (InterruptedException e) {
                    return;
                }
                String hung = watch.overdue();
                if (hung == null) {
                    if (tick % 12 == 0) {
                        // run-in-box.sh takes a console silent for minutes for a frozen box.
                        System.out.println("box-alive " + watch.current());
                    }
                    continue;
                }
                System.out.println("BOX-TEST FAIL " + hung + ": hung past its limit; every thread's stack:");
                for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
                    System.out.println("\"" + e.getKey().getName() + "\" " + e.getKey().getState());
                    for (StackTraceElement frame : e.getValue()) {
                        System.out.println("    at " + frame);
                    }
                }
                results.failed(hung, "hung past its limit (stacks above)");
                results.print();
                System.out.println("BOX-JVM-HUNG the JVM ends; the classes after this one run in a new JVM");
                System.out.flush();
                Runtime.getRuntime().halt(EXIT_HUNG);
            }
        }, "box-watchdog");
        dog.setDaemon(true);
        dog.start();
    }
}
