package org.kemari.hv.kvm.internal.nbd;

/**
 * An export as the server described it during negotiation.
 *
 * @param name the export name
 * @param sizeBytes its size
 * @param transmissionFlags the {@code NBD_FLAG_*} transmission flags
 */
public record NbdExport(String name, long sizeBytes, int transmissionFlags) {

    public boolean readOnly() {
        return (transmissionFlags & NbdProtocol.TFLAG_READ_ONLY) != 0;
    }

    /** Whether the server takes NBD_CMD_FLUSH (it does not when it writes through anyway). */
    public boolean acceptsFlush() {
        return (transmissionFlags & NbdProtocol.TFLAG_SEND_FLUSH) != 0;
    }
}
