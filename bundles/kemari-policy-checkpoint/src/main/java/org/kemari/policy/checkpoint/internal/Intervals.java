package org.kemari.policy.checkpoint.internal;

/** Validates configured intervals, naming the property and the allowed range in errors. */
final class Intervals {
    static final long MIN_MICROS = 100;
    static final long MAX_MICROS = 10_000_000;

    private Intervals() {
    }

    /** {@code micros} in nanoseconds, if within 100 µs .. 10 s. */
    static long micros(String property, long micros) {
        if (micros < MIN_MICROS || micros > MAX_MICROS) {
            throw new IllegalArgumentException(property + " must be between " + MIN_MICROS + " and " + MAX_MICROS
                    + " microseconds, got " + micros);
        }
        return micros * 1000;
    }
}
