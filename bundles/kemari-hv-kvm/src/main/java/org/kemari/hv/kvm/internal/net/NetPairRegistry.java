package org.kemari.hv.kvm.internal.net;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named {@link InProcessNetPair}s that NIC backend strings {@code pair:<name>} refer to. Tests
 * create a pair before building the VM and remove it afterwards.
 */
public final class NetPairRegistry {
    private static final Map<String, InProcessNetPair> PAIRS = new ConcurrentHashMap<>();

    private NetPairRegistry() {
    }

    /** Creates and registers a pair; the name must be free. */
    public static InProcessNetPair create(String name) {
        InProcessNetPair pair = new InProcessNetPair(name);
        if (PAIRS.putIfAbsent(name, pair) != null) {
            throw new IllegalStateException("an in-process net pair named '" + name + "' already exists");
        }
        return pair;
    }

    /** The pair of that name, or null. */
    public static InProcessNetPair find(String name) {
        return PAIRS.get(name);
    }

    public static void remove(String name) {
        PAIRS.remove(name);
    }
}
