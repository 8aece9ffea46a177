package org.kemari.hv.xen.internal.sys;

import java.util.LinkedHashMap;
import java.util.Map;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;

import com.sun.jna.Structure;

/**
 * The C sizes the JNA structures must have (Xen 4.17, x86-64). The layout test proves them against
 * the headers; handles re-check them at open so that a JNA change can never pass a wrong-sized
 * struct to the hypervisor.
 */
public final class Layouts {
    private Layouts() {
    }

    /** C name → (JNA size, C size). */
    public static Map<String, int[]> sizes() {
        Map<String, int[]> m = new LinkedHashMap<>();
        m.put("xc_domaininfo_t", pair(new DomainInfo(), DomainInfo.SIZE));
        m.put("xc_shadow_op_stats_t", pair(new ShadowOpStats(), ShadowOpStats.SIZE));
        m.put("xc_hypercall_buffer_t", pair(new HypercallBuffer(), HypercallBuffer.SIZE));
        m.put("struct xen_domctl_createdomain", pair(new CreateDomain(), CreateDomain.SIZE));
        m.put("struct precopy_stats", pair(new PrecopyStats(), PrecopyStats.SIZE));
        m.put("struct save_callbacks", pair(new XenGuest.SaveCallbacks(), XenGuest.SaveCallbacks.SIZE));
        m.put("struct restore_callbacks", pair(new XenGuest.RestoreCallbacks(), XenGuest.RestoreCallbacks.SIZE));
        return m;
    }

    /** @throws HypervisorException UNAVAILABLE if any JNA structure differs from its C size */
    public static void verify() throws HypervisorException {
        for (Map.Entry<String, int[]> e : sizes().entrySet()) {
            int[] s = e.getValue();
            if (s[0] != s[1]) {
                throw new HypervisorException(Reason.UNAVAILABLE,
                        "JNA layout of " + e.getKey() + " is " + s[0] + " bytes, the C struct is " + s[1]);
            }
        }
    }

    private static int[] pair(Structure s, int c) {
        return new int[] {s.size(), c};
    }
}
