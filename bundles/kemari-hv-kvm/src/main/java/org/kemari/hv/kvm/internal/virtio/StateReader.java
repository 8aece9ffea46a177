package org.kemari.hv.kvm.internal.virtio;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.StateRecord;

/**
 * Reads a payload written by {@link StateWriter}, checking the record's kind, version and checksum
 * first. Every failure is a {@link HypervisorException} with reason BAD_STATE.
 */
final class StateReader {
    private final String what;
    private final ByteBuffer in;

    private StateReader(String what, ByteBuffer in) {
        this.what = what;
        this.in = in;
    }

    /** Opens {@code record} if it is of {@code kind} and {@code version}, with an intact checksum. */
    static StateReader open(StateRecord record, String kind, int version) throws HypervisorException {
        String what = record.kind() + "/" + record.instance();
        if (!record.kind().equals(kind)) {
            throw badState("state record " + what + " is not of kind " + kind);
        }
        if (record.version() != version) {
            throw badState("state record " + what + " has version " + record.version()
                    + "; this device reads version " + version + " only");
        }
        byte[] p = record.payload();
        if (p.length < 4) {
            throw badState("state record " + what + " is truncated (" + p.length + " bytes)");
        }
        CRC32C crc = new CRC32C();
        crc.update(p, 0, p.length - 4);
        int stored = ByteBuffer.wrap(p, p.length - 4, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw badState("state record " + what + " fails its checksum");
        }
        return new StateReader(what, ByteBuffer.wrap(p, 0, p.length - 4));
    }

    int readInt() throws HypervisorException {
        try {
            return in.getInt();
        } catch (BufferUnderflowException e) {
            throw truncated();
        }
    }

    long readLong() throws HypervisorException {
        try {
            return in.getLong();
        } catch (BufferUnderflowException e) {
            throw truncated();
        }
    }

    boolean readBoolean() throws HypervisorException {
        int v = readInt();
        if (v != 0 && v != 1) {
            throw badState("state record " + what + " has a bad boolean " + v);
        }
        return v == 1;
    }

    String readString() throws HypervisorException {
        try {
            int len = in.getShort() & 0xffff;
            byte[] b = new byte[len];
            in.get(b);
            // writeUTF's modified UTF-8 equals UTF-8 for the ASCII names written here.
            return new String(b, StandardCharsets.UTF_8);
        } catch (BufferUnderflowException e) {
            throw truncated();
        }
    }

    /** Refuses trailing bytes: they mean the writer had fields this reader does not know. */
    void expectEnd() throws HypervisorException {
        if (in.hasRemaining()) {
            throw badState("state record " + what + " has " + in.remaining() + " unexpected trailing bytes");
        }
    }

    HypervisorException bad(String message) {
        return badState("state record " + what + ": " + message);
    }

    private HypervisorException truncated() {
        return badState("state record " + what + " is truncated");
    }

    static HypervisorException badState(String message) {
        return new HypervisorException(HypervisorException.Reason.BAD_STATE, message);
    }
}
