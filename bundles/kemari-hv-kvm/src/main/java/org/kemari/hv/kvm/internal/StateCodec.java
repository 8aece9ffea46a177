package org.kemari.hv.kvm.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.CRC32C;

import org.kemari.api.hv.HypervisorException;

/**
 * Framing shared by the backend's own state records: a 4-byte magic, the body, and a CRC32C of
 * magic and body at the end. Keeps a damaged or foreign payload from being applied to a vCPU.
 */
final class StateCodec {
    private StateCodec() {
    }

    /** Writes a record body. */
    interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    static byte[] encode(int magic, Body body) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(magic);
            body.write(out);
            out.flush();
            CRC32C crc = new CRC32C();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory streams do not fail
        }
    }

    /** Checks magic and CRC and returns a stream positioned at the body. */
    static DataInputStream decode(byte[] payload, int magic, String what) throws HypervisorException {
        if (payload.length < 8) {
            throw bad(what + ": payload of " + payload.length + " bytes is too short");
        }
        CRC32C crc = new CRC32C();
        crc.update(payload, 0, payload.length - 4);
        int stored = ((payload[payload.length - 4] & 0xFF) << 24) | ((payload[payload.length - 3] & 0xFF) << 16)
                | ((payload[payload.length - 2] & 0xFF) << 8) | (payload[payload.length - 1] & 0xFF);
        if ((int) crc.getValue() != stored) {
            throw bad(what + ": checksum mismatch (payload damaged)");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload, 0, payload.length - 4));
        try {
            int seen = in.readInt();
            if (seen != magic) {
                throw bad(String.format("%s: wrong magic 0x%08x, expected 0x%08x", what, seen, magic));
            }
        } catch (IOException e) {
            throw bad(what + ": " + e.getMessage());
        }
        return in;
    }

    static byte[] readBytes(DataInputStream in, int expected, String what) throws IOException, HypervisorException {
        int n = in.readInt();
        if (expected >= 0 && n != expected) {
            throw bad(what + ": " + n + " bytes, expected " + expected);
        }
        if (n < 0 || n > in.available()) {
            throw bad(what + ": bad length " + n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    static HypervisorException bad(String message) {
        return new HypervisorException(HypervisorException.Reason.BAD_STATE, message);
    }
}
