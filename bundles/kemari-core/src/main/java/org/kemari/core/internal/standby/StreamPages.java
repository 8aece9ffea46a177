package org.kemari.core.internal.standby;

import org.kemari.api.hv.GuestMemory;

/** Page arithmetic of the standby. */
final class StreamPages {
    static final int PAGE_SIZE = GuestMemory.PAGE_SIZE;

    private StreamPages() {
    }

    static String mib(long bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }
}
