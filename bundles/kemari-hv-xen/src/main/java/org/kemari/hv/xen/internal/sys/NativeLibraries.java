package org.kemari.hv.xen.internal.sys;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** Loads Xen's libraries once each, trying the development link name then the runtime soname. */
public final class NativeLibraries {
    private static final Map<Class<?>, Library> LOADED = new ConcurrentHashMap<>();

    private NativeLibraries() {
    }

    /** libc, loaded once on first use (always present: no fallback names). */
    public static LibC libc() {
        return LibcHolder.LIBC;
    }

    private static final class LibcHolder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }

    /**
     * Loads {@code type} from the first of {@code names} that links.
     *
     * @throws HypervisorException UNAVAILABLE naming every name tried
     */
    public static <T extends Library> T load(Class<T> type, String... names) throws HypervisorException {
        Library cached = LOADED.get(type);
        if (cached != null) {
            return type.cast(cached);
        }
        for (String name : names) {
            try {
                T lib = Native.load(name, type);
                LOADED.putIfAbsent(type, lib);
                return lib;
            } catch (UnsatisfiedLinkError e) {
                // Try the next name; JNA's multi-line message adds nothing for an operator.
            }
        }
        throw new HypervisorException(Reason.UNAVAILABLE,
                "lib" + names[0] + " is not installed (tried " + String.join(", ", names) + ")");
    }

    /** The name that {@link #load} would succeed with, or null: for probes that only report. */
    public static String findName(Class<? extends Library> type, String... names) {
        for (String name : names) {
            try {
                Library lib = Native.load(name, type);
                LOADED.putIfAbsent(type, lib);
                return name;
            } catch (UnsatisfiedLinkError e) {
                // next
            }
        }
        return null;
    }
}
