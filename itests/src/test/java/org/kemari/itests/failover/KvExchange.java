package org.kemari.itests.failover;

/**
 * One request of {@link KvClient} and its reply, as the client saw them.
 *
 * @param sentMicros when the request was written (µs since the epoch)
 * @param repliedMicros when its reply line arrived
 */
record KvExchange(long sentMicros, long repliedMicros, String request, String reply) {

    /** Parses an {@code x <sent> <replied> <request> | <reply>} line of {@link KvClient}. */
    static KvExchange parse(String line) {
        String[] f = line.split(" ", 4);
        int bar = f.length == 4 ? f[3].indexOf(" | ") : -1;
        if (!f[0].equals("x") || bar < 0) {
            throw new IllegalArgumentException("not a KV client exchange line: " + line);
        }
        return new KvExchange(Long.parseLong(f[1]), Long.parseLong(f[2]), f[3].substring(0, bar), f[3].substring(bar + 3));
    }

    long latencyMicros() {
        return repliedMicros - sentMicros;
    }

    boolean isPut() {
        return request.startsWith("PUT ");
    }

    boolean isGet() {
        return request.startsWith("GET ");
    }

    /** The request's key (PUT and GET). */
    String key() {
        return request.split(" ", 3)[1];
    }

    /** A PUT's value. */
    String value() {
        return request.split(" ", 3)[2];
    }

    @Override
    public String toString() {
        return "'" + request + "' -> '" + reply + "'";
    }
}
