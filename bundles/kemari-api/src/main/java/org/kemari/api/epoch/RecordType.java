package org.kemari.api.epoch;

/**
 * The typed records of the epoch stream. Codes are part of the wire format and never reused;
 * code 0 is reserved as invalid so that a zeroed buffer is never a valid record.
 */
public enum RecordType {
    /** Opens an epoch: epoch number, page count, record count expected. */
    EPOCH_BEGIN(1),
    /** A run of guest memory pages: first page number, page count, the bytes. */
    PAGES(2),
    /** One vCPU or device state record (a {@link org.kemari.api.hv.StateRecord}). */
    STATE(3),
    /** Closes an epoch: number, record count, CRC32C over the epoch's records. */
    EPOCH_END(4),
    /** A disk write carried in the epoch (replicated storage). */
    DISK_WRITE(5),
    /** Initial synchronisation: the VM's spec, sent before any page. */
    VM_SPEC(6),
    /**
     * The primary ends protection on purpose (unprotect, orderly shutdown): the standby must not
     * take over when the link then closes. Sent between epochs.
     */
    END_OF_PROTECTION(7),
    /**
     * Opaque bytes of a backend's own checkpoint stream ({@link org.kemari.api.hv.StreamCheckpointing}),
     * in order: epoch n carries the backend's stream up to and including its checkpoint n. Only in a
     * stream whose header has the BACKEND_STREAM flag. Since 1.2.
     */
    BACKEND_STREAM(8),
    /** Control, standby to primary: epoch committed, its held outputs may be released. */
    ACK(16),
    /** Control, standby to primary: the stream is refused (reason code and text for the operator). */
    REFUSE(17),
    /**
     * Control, standby to primary: the standby is taking the VM over (from the epoch given); the
     * primary must stop its copy at once and release nothing more. Fences a primary that is alive
     * but was too slow to be heard in time. Since 1.3.
     */
    FENCE(18);

    private final int code;

    RecordType(int code) {
        this.code = code;
    }

    /** The record's code on the wire. */
    public int code() {
        return code;
    }

    /**
     * The type with the given wire code.
     *
     * @throws StreamFormatException if no type has that code
     */
    public static RecordType ofCode(int code) throws StreamFormatException {
        for (RecordType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new StreamFormatException(StreamFormatException.Reason.UNKNOWN_RECORD,
                "unknown record type code " + code);
    }
}
