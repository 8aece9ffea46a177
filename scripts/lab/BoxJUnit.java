import java.util.ArrayList;
import java.util.List;

import org.junit.runner.Description;
import org.junit.runner.JUnitCore;
import org.junit.runner.Request;
import org.junit.runner.Result;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunListener;

/**
 * Runs JUnit 4 test classes with {@link JUnitCore} inside a lab box (scripts/lab/run-in-box.sh) and
 * prints one line per test and the summary line "N passed, N failed, N skipped". Exit status 1 when
 * a test failed or a class could not be loaded.
 */
public final class BoxJUnit {
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
            Result r = core.run(Request.aClass(c));
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
