package org.kemari.api.management;

/**
 * A summary of recorded values (pause times, latencies, sizes) since protection started: how many,
 * three percentiles and the largest. Every field is 0 while {@code count} is 0.
 *
 * @param count values recorded
 * @param p50 the median
 * @param p90 the 90th percentile
 * @param p99 the 99th percentile
 * @param max the largest value
 * @since 1.2
 */
public record Distribution(long count, long p50, long p90, long p99, long max) {

    /** Nothing recorded yet. */
    public static final Distribution EMPTY = new Distribution(0, 0, 0, 0, 0);

    public Distribution {
        if (count < 0 || p50 < 0 || p90 < p50 || p99 < p90 || max < p99) {
            throw new IllegalArgumentException("not a distribution: count " + count + ", p50 " + p50 + ", p90 " + p90
                    + ", p99 " + p99 + ", max " + max);
        }
    }
}
