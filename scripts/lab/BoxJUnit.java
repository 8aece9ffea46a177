import java.util.ArrayList;
import java.util.List;

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
 * a test cannot scale itself (an annotation holds a constant).
 */
public final class BoxJUnit {
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
                            return FailOnTimeout.builder().withTimeout(Math.round(timeout * scale), TimeUnit.MILLISECONDS)
                                    .build(next);
                        }
                    };
                }
            };
        }
    }

    public static void main(String[] args) throws Exception {
        int[] counts = new int[3]; // passed, failed, skipped
        List<String> failures = new ArrayList<>();
        JUnitCore core = new JUnitCore();
        core.addListener(new RunListener() {
            private final ThreadLocal<Boolean> bad = ThreadLocal.withInitial(() -> false);
            private final ThreadLocal<Long> start = new ThreadLocal<>();

            @Override public void testStarted(Description d) {
                bad.set(false);
                start.set(System.nanoTime());
            }
            @Override public void testFailure(Failure f) {
                bad.set(true);
                counts[1]++;
                failures.add(f.getDescription().getDisplayName() + ": " + f.getTrace());
                System.out.println("BOX-TEST FAIL " + f.getDescription().getDisplayName() + ": " + f.getMessage());
            }
            @Override public void testAssumptionFailure(Failure f) {
                bad.set(true);
                counts[2]++;
                System.out.println("BOX-TEST SKIP " + f.getDescription().getDisplayName() + ": " + f.getMessage());
            }
            @Override public void testIgnored(Description d) {
                counts[2]++;
                System.out.println("BOX-TEST SKIP " + d.getDisplayName() + " (@Ignore)");
            }
            @Override public void testFinished(Description d) {
                if (!bad.get()) {
                    counts[0]++;
                    long ms = start.get() == null ? 0 : (System.nanoTime() - start.get()) / 1_000_000;
                    System.out.println("BOX-TEST PASS " + d.getDisplayName() + " (" + ms + " ms)");
                }
            }
        });
        double scale = timeScale();
        ScaledTimeouts runners = new ScaledTimeouts(scale);
        System.out.println("BOX-TESTS time scale " + scale + " (kemari.test.timeScale)");
        long t0 = System.nanoTime();
        for (String name : args) {
            Class<?> c;
            try {
                c = Class.forName(name);
            } catch (Throwable e) {
                counts[1]++;
                failures.add(name + ": cannot load: " + e);
                System.out.println("BOX-TEST FAIL " + name + ": cannot load: " + e);
                continue;
            }
            long c0 = System.nanoTime();
            Result r = core.run(Request.runner(runners.safeRunnerForClass(c)));
            System.out.println("BOX-CLASS " + name + ": " + r.getRunCount() + " run, " + r.getFailureCount()
                    + " failed, " + r.getIgnoreCount() + " ignored in " + (System.nanoTime() - c0) / 1_000_000 + " ms");
        }
        for (String f : failures) {
            System.out.println("---- " + f);
        }
        System.out.println("BOX-TESTS took " + (System.nanoTime() - t0) / 1_000_000_000 + " s");
        System.out.println(counts[0] + " passed, " + counts[1] + " failed, " + counts[2] + " skipped");
        System.exit(counts[1] == 0 ? 0 : 1);
    }
}
