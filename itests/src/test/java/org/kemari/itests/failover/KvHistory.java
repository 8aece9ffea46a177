package org.kemari.itests.failover;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.kemari.guest.GuestKvLog;

/**
 * Judges what the KV client saw, from outside both nodes. The client had one connection and one
 * request in flight at a time, so the exchanges are a sequential history that a single store must
 * explain: the n-th PUT is answered {@code OK n} (each PUT executed exactly once, none lost or
 * repeated by a failover), and a GET returns the value of the latest PUT of its key before it.
 */
final class KvHistory {
    private final List<KvExchange> exchanges;

    KvHistory(List<KvExchange> exchanges) {
        this.exchanges = List.copyOf(exchanges);
    }

    /** Null if the history is one a single store explains, else the first exchange that is not. */
    String violation() {
        Map<String, String> latest = new HashMap<>();
        long puts = 0;
        for (KvExchange x : exchanges) {
            if (x.isPut()) {
                if (!x.reply().equals("OK " + puts)) {
                    return "PUT number " + puts + " got " + x + " (expected OK " + puts + ")";
                }
                latest.put(x.key(), x.value());
                puts++;
            } else if (x.isGet()) {
                String expected = latest.containsKey(x.key()) ? "VALUE " + latest.get(x.key()) : "NONE";
                if (!x.reply().equals(expected)) {
                    return "GET after " + puts + " PUTs: " + x + ", expected '" + expected + "'";
                }
            } else if (x.request().equals("QUIT") && !x.reply().equals("BYE")) {
                return "QUIT got " + x;
            }
        }
        return null;
    }

    /** Every acknowledged PUT, as the guest's log on disk must hold it. */
    List<GuestKvLog.Put> acknowledgedPuts() {
        List<GuestKvLog.Put> puts = new ArrayList<>();
        for (KvExchange x : exchanges) {
            if (x.isPut() && x.reply().startsWith("OK ")) {
                puts.add(new GuestKvLog.Put(Long.parseLong(x.reply().substring(3).trim()), x.key(), x.value()));
            }
        }
        return puts;
    }

    long count(java.util.function.Predicate<KvExchange> which) {
        return exchanges.stream().filter(which).count();
    }

    /**
     * The client-observed outage of a failover: the longest wait for a reply among the requests
     * answered at or after {@code killMicros} and sent before {@code untilMicros} (the one in
     * flight when the primary died, or the first sent after). Null if none was answered.
     */
    KvExchange longestWait(long killMicros, long untilMicros) {
        KvExchange longest = null;
        for (KvExchange x : exchanges) {
            if (x.repliedMicros() >= killMicros && x.sentMicros() < untilMicros
                    && (longest == null || x.latencyMicros() > longest.latencyMicros())) {
                longest = x;
            }
        }
        return longest;
    }

    /** The exchanges answered within [fromMicros, toMicros). */
    List<KvExchange> answeredBetween(long fromMicros, long toMicros) {
        return exchanges.stream().filter(x -> x.repliedMicros() >= fromMicros && x.repliedMicros() < toMicros).toList();
    }
}
