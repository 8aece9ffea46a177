package org.kemari.hv.kvm.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.kemari.api.hv.MachineState;
import org.kemari.api.hv.MemoryImage;
import org.kemari.api.hv.StateRecord;

/** A snapshot on disk for the cross-process test: RAM as a flat file, the machine state as records. */
final class SnapshotFiles {
    private SnapshotFiles() {
    }

    static void writeMemory(MemoryImage memory, Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            for (long off = 0; off < memory.size(); off += buf.capacity()) {
                buf.clear().limit((int) Math.min(buf.capacity(), memory.size() - off));
                memory.read(off, buf);
                buf.flip();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        }
    }

    /** A memory image read from a flat file. */
    static MemoryImage readMemory(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        long size = ch.size();
        return new MemoryImage() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public void read(long offset, ByteBuffer dst) {
                try {
                    long at = offset;
                    while (dst.hasRemaining()) {
                        int n = ch.read(dst, at);
                        if (n < 0) {
                            throw new IndexOutOfBoundsException("offset " + at + " beyond " + size);
                        }
                        at += n;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    static void writeState(MachineState state, Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.writeUTF(state.backend());
            out.writeInt(state.records().size());
            for (StateRecord r : state.records()) {
                out.writeUTF(r.kind());
                out.writeUTF(r.instance());
                out.writeInt(r.version());
                out.writeInt(r.payload().length);
                out.write(r.payload());
            }
        }
    }

    static MachineState readState(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            String backend = in.readUTF();
            int n = in.readInt();
            List<StateRecord> records = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String kind = in.readUTF();
                String instance = in.readUTF();
                int version = in.readInt();
                byte[] payload = new byte[in.readInt()];
                in.readFully(payload);
                records.add(new StateRecord(kind, instance, version, payload));
            }
            return new MachineState(backend, records);
        }
    }
}
