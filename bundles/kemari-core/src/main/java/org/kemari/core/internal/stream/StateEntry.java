package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;
import java.util.Objects;

import org.kemari.api.epoch.RecordType;
import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.epoch.StreamFormatException.Reason;
import org.kemari.api.hv.StateRecord;

/**
 * One vCPU or device state record. Payload: u32 version, u32 data length, u16 kind length,
 * u16 instance length, kind (UTF-8), instance (UTF-8), data.
 */
public record StateEntry(StateRecord state) implements StreamRecord {
    static final int FIXED = 12;

    public StateEntry {
        Objects.requireNonNull(state, "state");
    }

    @Override
    public RecordType type() {
        return RecordType.STATE;
    }

    @Override
    public int headLength() {
        return FIXED + Wire.utf8(state.kind(), "state kind").length
                + Wire.utf8(state.instance(), "state instance").length;
    }

    @Override
    public void writeHead(ByteBuffer dst) {
        byte[] kind = Wire.utf8(state.kind(), "state kind");
        byte[] instance = Wire.utf8(state.instance(), "state instance");
        dst.putInt(state.version()).putInt(state.payload().length)
                .putShort((short) kind.length).putShort((short) instance.length)
                .put(kind).put(instance);
    }

    @Override
    public ByteBuffer bulk() {
        return ByteBuffer.wrap(state.payload());
    }

    static StateEntry decode(ByteBuffer p) throws StreamFormatException {
        long version = Wire.u32(p);
        int dataLength = Wire.u32AsInt(p, "state data length");
        int kindLength = Wire.u16(p);
        int instanceLength = Wire.u16(p);
        String kind = Wire.decodeUtf8(p, kindLength, "state kind");
        String instance = Wire.decodeUtf8(p, instanceLength, "state instance");
        if (version == 0 || version > Integer.MAX_VALUE) {
            throw new StreamFormatException(Reason.MALFORMED,
                    "state record " + kind + "/" + instance + " has invalid version " + version);
        }
        if (dataLength != p.remaining()) {
            throw new StreamFormatException(Reason.MALFORMED, "state record " + kind + "/" + instance
                    + " says " + dataLength + " data bytes but carries " + p.remaining());
        }
        byte[] data = new byte[dataLength];
        p.get(data);
        return new StateEntry(new StateRecord(kind, instance, (int) version, data));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateEntry other && sameState(state, other.state);
    }

    @Override
    public int hashCode() {
        return Objects.hash(state.kind(), state.instance(), state.version(), java.util.Arrays.hashCode(state.payload()));
    }

    /** StateRecord is a record over a byte array, so its own equals compares identity. */
    public static boolean sameState(StateRecord a, StateRecord b) {
        return a.kind().equals(b.kind()) && a.instance().equals(b.instance()) && a.version() == b.version()
                && java.util.Arrays.equals(a.payload(), b.payload());
    }
}
