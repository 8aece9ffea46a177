package org.kemari.core.internal.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import org.kemari.api.epoch.RecordType;
import org.kemari.api.hv.VmSpec;
import org.kemari.core.internal.engine.WireStream.Rec;
import org.kemari.core.internal.stream.StreamFormat;

/**
 * Generates what a broken or hostile peer sends to a standby's port, from a seed: cut and garbled
 * hellos, bad link frames, and epoch streams mutated field by field (with valid CRCs), records
 * dropped, duplicated, swapped, replayed, inserted after END_OF_PROTECTION, specs claiming too
 * much. One input is the bytes of one connection; {@link #generate} is deterministic per seed.
 */
final class HostileInputs {
    static final String VM = "fz";
    /** The replicated disk of generated specs; the standby's root must have a {@code fz} directory. */
    static final String DISK = "replicated:/fz/d.img";
    private static final int HELLO_MAGIC = 0x4B4D524C;
    private static final long[] INTERESTING = {0, 1, 2, -1, 255, 256, 4095, 4096, 65535, 65536, Integer.MAX_VALUE,
        Integer.MIN_VALUE, 0xFFFFFFFFL, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 62, 16L << 40, 1L << 40};

    /** One connection's worth of input. */
    record Input(String kind, byte[] bytes, boolean reset) {
    }

    private HostileInputs() {
    }

    static Input generate(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        return rnd.nextInt(10) < 3 ? linkLevel(rnd) : streamLevel(rnd);
    }

    // --- the link: hello and frames --------------------------------------------------------------

    static byte[] hello(int major, int maxFrame) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN);
        b.putInt(HELLO_MAGIC).putShort((short) major).putShort((short) 0).putInt(maxFrame);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 12);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    static byte[] validHello() {
        return hello(1, 16 << 20);
    }

    /** A link frame: kind 1 DATA, 2 HEARTBEAT, 3 CLOSE. */
    static byte[] frame(int kind, int flags, byte[] payload, int lengthField, boolean goodPayloadCrc) {
        ByteBuffer b = ByteBuffer.allocate(16 + payload.length).order(ByteOrder.BIG_ENDIAN);
        CRC32C pc = new CRC32C();
        pc.update(payload);
        b.putInt(lengthField).put((byte) kind).put((byte) flags).putShort((short) 0)
                .putInt((int) pc.getValue() ^ (goodPayloadCrc ? 0 : 1));
        CRC32C hc = new CRC32C();
        hc.update(b.array(), 0, 12);
        b.putInt((int) hc.getValue()).put(payload);
        return b.array();
    }

    static byte[] data(byte[] payload) {
        return frame(1, 0, payload, payload.length, true);
    }

    private static Input linkLevel(SplittableRandom rnd) {
        byte[] hello = validHello();
        switch (rnd.nextInt(9)) {
            case 0:
                return new Input("connect-close", new byte[0], rnd.nextBoolean());
            case 1:
                return new Input("random-bytes", randomBytes(rnd, 1 + rnd.nextInt(64)), rnd.nextBoolean());
            case 2:
                return new Input("cut-hello", java.util.Arrays.copyOf(hello, rnd.nextInt(16)), rnd.nextBoolean());
            case 3: {
                byte[] h = hello.clone();
                h[rnd.nextInt(16)] ^= (byte) (1 + rnd.nextInt(255));
                return new Input("garbled-hello", h, false);
            }
            case 4:
                return new Input("hello-other-major-or-size", rnd.nextBoolean() ? hello(1 + rnd.nextInt(5), 16 << 20)
                        : hello(1, (int) pick(rnd)), false);
            case 5:
                return new Input("hello-then-garbage", concat(hello, randomBytes(rnd, 1 + rnd.nextInt(48))), rnd.nextBoolean());
            case 6: {
                byte[] payload = randomBytes(rnd, rnd.nextInt(64));
                int kind = rnd.nextInt(6);
                int length = rnd.nextInt(4) == 0 ? (int) pick(rnd) : payload.length;
                return new Input("bad-frame", concat(hello, frame(kind, rnd.nextInt(4) == 0 ? 1 : 0, payload, length,
                        rnd.nextInt(3) != 0)), false);
            }
            case 7:
                return new Input("hello-close", concat(hello, frame(3, 0, new byte[0], 0, true)), rnd.nextBoolean());
            default:
                return new Input("hello-only", hello, rnd.nextBoolean());
        }
    }

    // --- the epoch stream --------------------------------------------------------------------------

    /** A valid stream body: VM_SPEC and epochs 0..n of a 1 MiB VM. */
    static List<Rec> validRecords(SplittableRandom rnd, boolean replicated, int epochs) {
        List<Rec> r = new ArrayList<>();
        List<VmSpec.DiskSpec> disks = replicated ? List.of(new VmSpec.DiskSpec("d", DISK, false)) : List.of();
        r.add(WireStream.vmSpec(StandbyNode.BACKEND, new VmSpec(VM, 1 << 20, 1, "fake", disks, List.of(), Map.of())));
        for (int e = 0; e <= epochs; e++) {
            List<Rec> body = new ArrayList<>();
            for (int i = rnd.nextInt(4); i > 0; i--) {
                int count = 1 + rnd.nextInt(3);
                body.add(WireStream.pages(rnd.nextInt(256 - count), count, rnd.nextInt(256)));
            }
            for (int i = rnd.nextInt(3); i > 0; i--) {
                body.add(WireStream.state("fake.cpu", String.valueOf(i), randomBytes(rnd, rnd.nextInt(32))));
            }
            if (replicated && rnd.nextBoolean()) {
                body.add(WireStream.diskWrite("d", rnd.nextInt(64) * 512L, randomBytes(rnd, 512)));
            }
            r.addAll(WireStream.epoch(e, body));
        }
        return r;
    }

    private static Input streamLevel(SplittableRandom rnd) {
        boolean replicated = rnd.nextInt(4) == 0;
        int flags = replicated ? StreamFormat.HEADER_FLAG_REPLICATED_DISKS : 0;
        List<Rec> records = validRecords(rnd, replicated, rnd.nextInt(4));
        byte[] header = WireStream.header(VM, flags);
        List<String> done = new ArrayList<>();
        for (int m = 1 + rnd.nextInt(3); m > 0; m--) {
            int op = rnd.nextInt(12);
            done.add(String.valueOf(op));
            switch (op) {
                case 0, 1 -> mutateField(rnd, records);
                case 2 -> records.remove(rnd.nextInt(records.size()));
                case 3 -> {
                    int i = rnd.nextInt(records.size());
                    records.add(i, records.get(i));
                }
                case 4 -> {
                    if (records.size() > 1) {
                        int i = rnd.nextInt(records.size() - 1);
                        records.add(i + 1, records.remove(i));
                    }
                }
                case 5 -> replayEpoch(rnd, records);
                case 6 -> records.add(rnd.nextInt(records.size() + 1), unknownRecord(rnd));
                case 7 -> records.add(rnd.nextInt(records.size() + 1), WireStream.endOfProtection(pick(rnd)));
                case 8 -> records.set(0, hostileSpec(rnd));
                case 9 -> header = WireStream.header(rnd.nextBoolean() ? "other" : VM, rnd.nextInt() & 0x3000F);
                case 10 -> records.add(rnd.nextInt(records.size() + 1), WireStream.epochBegin(pick(rnd), pick(rnd), pick(rnd)));
                default -> records.add(WireStream.endOfProtection(0));
            }
            if (records.isEmpty()) {
                records.add(WireStream.endOfProtection(-1));
            }
        }
        if (rnd.nextInt(10) < 7) {
            records = WireStream.seal(records);
        }
        int perFrame = new int[] {0, 1, 2, 5}[rnd.nextInt(4)];
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(validHello());
        List<ByteBuffer> frames = WireStream.frames(header, records, perFrame);
        for (int i = 0; i < frames.size(); i++) {
            byte[] f = frames.get(i).array();
            if (rnd.nextInt(20) == 0) {
                // A frame that ends inside a record, or a flipped bit (the record CRC no longer matches).
                f = rnd.nextBoolean() ? java.util.Arrays.copyOf(f, rnd.nextInt(f.length + 1)) : flip(rnd, f);
            }
            out.writeBytes(data(f));
        }
        // Every stream ends on purpose, so a standby that took it keeps nothing behind.
        out.writeBytes(data(WireStream.frame(List.of(WireStream.endOfProtection(-1))).array()));
        return new Input("stream" + done, out.toByteArray(), false);
    }

    private static void mutateField(SplittableRandom rnd, List<Rec> records) {
        int i = rnd.nextInt(records.size());
        Rec r = records.get(i);
        byte[] p = r.payload().clone();
        if (p.length < 4) {
            return;
        }
        // The fields that matter sit in the first 24 bytes of every record's payload.
        int width = p.length >= 8 && rnd.nextBoolean() ? 8 : rnd.nextBoolean() ? 4 : 2;
        int at = rnd.nextInt(Math.max(1, Math.min(24, p.length) - width + 1)) & ~(width - 1);
        ByteBuffer b = ByteBuffer.wrap(p).order(StreamFormat.ORDER);
        long v = rnd.nextInt(3) == 0 ? readField(b, at, width) + (rnd.nextBoolean() ? 1 : -1) : pick(rnd);
        switch (width) {
            case 8 -> b.putLong(at, v);
            case 4 -> b.putInt(at, (int) v);
            default -> b.putShort(at, (short) v);
        }
        records.set(i, r.withPayload(p));
    }

    private static long readField(ByteBuffer b, int at, int width) {
        return width == 8 ? b.getLong(at) : width == 4 ? b.getInt(at) : b.getShort(at);
    }

    /** Copies a whole earlier epoch (BEGIN..END) to a random place. */
    private static void replayEpoch(SplittableRandom rnd, List<Rec> records) {
        List<Integer> begins = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).type() == RecordType.EPOCH_BEGIN.code()) {
                begins.add(i);
            }
        }
        if (begins.isEmpty()) {
            return;
        }
        int from = begins.get(rnd.nextInt(begins.size()));
        int to = from + 1;
        while (to < records.size() && records.get(to).type() != RecordType.EPOCH_END.code()) {
            to++;
        }
        List<Rec> epoch = new ArrayList<>(records.subList(from, Math.min(records.size(), to + 1)));
        records.addAll(rnd.nextInt(records.size() + 1), epoch);
    }

    private static Rec unknownRecord(SplittableRandom rnd) {
        int[] types = {0, 9, 15, 16, 17, 18, 0x7FFF, 0xFFFF};
        int flags = rnd.nextBoolean() ? StreamFormat.RECORD_FLAG_SKIPPABLE : rnd.nextInt(4) == 0 ? 1 : 0;
        return new Rec(types[rnd.nextInt(types.length)], flags, randomBytes(rnd, rnd.nextInt(40)));
    }

    /** A VM_SPEC that claims too much or names something it must not. */
    private static Rec hostileSpec(SplittableRandom rnd) {
        long memory = new long[] {16L << 40, 1L << 62, 1L << 30, 4096, 1 << 20}[rnd.nextInt(5)];
        int vcpus = new int[] {1, 5000, 256}[rnd.nextInt(3)];
        List<VmSpec.DiskSpec> disks = new ArrayList<>();
        String[] paths = {"replicated:/fz/../../etc/kemari-fuzz", "replicated:/fz/d.img", "/shared/x.img",
            "replicated:/" + "a".repeat(300), "nbd://h:1/e"};
        for (int i = rnd.nextInt(4) == 0 ? 40 : rnd.nextInt(3); i > 0; i--) {
            disks.add(new VmSpec.DiskSpec("d" + i, paths[rnd.nextInt(paths.length)], rnd.nextBoolean()));
        }
        Rec spec = WireStream.vmSpec(rnd.nextInt(5) == 0 ? "nosuch" : StandbyNode.BACKEND,
                new VmSpec(VM, memory, vcpus, "fake", disks, List.of(), Map.of()));
        if (rnd.nextBoolean()) {
            // Invalid for VmSpec itself: patch the memory field (after the backend and name strings).
            byte[] p = spec.payload().clone();
            int at = 2 + StandbyNode.BACKEND.length() + 2 + VM.length();
            if (spec.payload().length > at + 8 && rnd.nextBoolean()) {
                ByteBuffer.wrap(p).order(StreamFormat.ORDER).putLong(at, new long[] {0, -4096, 4097, Long.MAX_VALUE}[rnd.nextInt(4)]);
            } else {
                byte[] rel = "replicated:rel".getBytes(StandardCharsets.US_ASCII);
                p = concat(p, rel); // trailing bytes: MALFORMED too
            }
            return spec.withPayload(p);
        }
        return spec;
    }

    private static long pick(SplittableRandom rnd) {
        return rnd.nextInt(4) == 0 ? rnd.nextLong() : INTERESTING[rnd.nextInt(INTERESTING.length)];
    }

    private static byte[] randomBytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rnd.nextInt(256);
        }
        return b;
    }

    private static byte[] flip(SplittableRandom rnd, byte[] f) {
        byte[] c = f.clone();
        if (c.length > 0) {
            c[rnd.nextInt(c.length)] ^= (byte) (1 << rnd.nextInt(8));
        }
        return c;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
