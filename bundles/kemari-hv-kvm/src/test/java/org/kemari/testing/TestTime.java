package org.kemari.testing;

/**
 * One knob for how slow the machine running the tests is: the system property
 * {@code kemari.test.timeScale} (default 1; scripts/lab/run-in-box.sh passes a larger one to the
 * JVMs in a lab box, where Java under QEMU TCG runs several times slower). Tests multiply by it
 * their own deadlines and the engine/transport timing settings they configure (heartbeat and
 * silence timeouts, handshake timeouts), so every ratio between them stays what the test was
 * written for: a test checks the same thing, on a slower clock. Never use it to loosen a claim.
 */
public final class TestTime {
    public static final String PROPERTY = "kemari.test.timeScale";

    private TestTime() {
    }

    /** The scale, at least 1. */
    public static double scale() {
        String v = System.getProperty(PROPERTY, "1").trim();
        double s;
        try {
            s = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PROPERTY + " must be a number >= 1, got '" + v + "'");
        }
        if (!(s >= 1) || s > 1000) {
            throw new IllegalArgumentException(PROPERTY + " must be in 1..1000, got " + v);
        }
        return s;
    }

    /** {@code millis} on this machine's clock. */
    public static long millis(long millis) {
        return Math.round(millis * scale());
    }

    /** {@link #millis(long)} for int settings. */
    public static int millis(int millis) {
        return (int) Math.min(Integer.MAX_VALUE, Math.round(millis * scale()));
    }

    /** Sleeps {@code millis(millis)}. */
    public static void sleep(long millis) throws InterruptedException {
        Thread.sleep(millis(millis));
    }
}
