package org.kemari.core.internal.engine.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A thread-safe bag of numbers with medians (no timing assertions: the bench only reports). */
final class Samples {
    private final List<Double> values = new ArrayList<>();

    synchronized void add(double v) {
        values.add(v);
    }

    synchronized int size() {
        return values.size();
    }

    synchronized void clear() {
        values.clear();
    }

    synchronized double percentile(double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int i = (int) Math.min(sorted.size() - 1, Math.max(0, Math.round(p / 100.0 * (sorted.size() - 1))));
        return sorted.get(i);
    }

    double median() {
        return percentile(50);
    }
}
