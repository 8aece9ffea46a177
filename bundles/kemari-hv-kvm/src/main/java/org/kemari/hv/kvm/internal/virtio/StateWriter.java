package org.kemari.hv.kvm.internal.virtio;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.CRC32C;

/**
 * Builds a device state payload: fields in {@link DataOutputStream} order (big-endian), followed by
 * a CRC32C of everything before it, so a damaged record is refused rather than half-applied.
 */
final class StateWriter {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    private final DataOutputStream out = new DataOutputStream(bytes);

    StateWriter writeInt(int v) {
        try {
            out.writeInt(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen on a byte array
        }
        return this;
    }

    StateWriter writeLong(long v) {
        try {
            out.writeLong(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    StateWriter writeBoolean(boolean v) {
        return writeInt(v ? 1 : 0);
    }

    StateWriter writeString(String s) {
        try {
            out.writeUTF(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** The payload with its trailing checksum. */
    byte[] finish() {
        CRC32C crc = new CRC32C();
        byte[] body = bytes.toByteArray();
        crc.update(body);
        return new StateWriter().writeRaw(body).writeInt((int) crc.getValue()).bytes.toByteArray();
    }

    private StateWriter writeRaw(byte[] b) {
        bytes.writeBytes(b);
        return this;
    }
}
