package org.kemari.core.internal.stream;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.kemari.api.epoch.RecordType;
import org.kemari.api.epoch.StreamFormatException;
import org.kemari.api.epoch.StreamFormatException.Reason;
import org.kemari.api.hv.VmSpec;

/**
 * The VM's spec and the backend whose state records follow, sent once before epoch 0. Payload:
 * string backend, string name, u64 memory bytes, u32 vCPUs, string image, u16 disk count and per
 * disk {string id, string path, u8 read-only}, u16 NIC count and per NIC {string id, string mac,
 * string backend}, u16 option count and per option {string key, string value} (sorted by key).
 * Strings are u16 length + UTF-8.
 */
public record VmSpecRecord(String backend, VmSpec spec) implements StreamRecord {

    public VmSpecRecord {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(spec, "spec");
    }

    @Override
    public RecordType type() {
        return RecordType.VM_SPEC;
    }

    @Override
    public int headLength() {
        ByteBuffer probe = ByteBuffer.allocate(1 << 20).order(StreamFormat.ORDER);
        writeHead(probe);
        return probe.position();
    }

    @Override
    public void writeHead(ByteBuffer dst) {
        put(dst, backend);
        put(dst, spec.name());
        dst.putLong(spec.memoryBytes()).putInt(spec.vcpus());
        put(dst, spec.image());
        dst.putShort((short) spec.disks().size());
        for (VmSpec.DiskSpec d : spec.disks()) {
            put(dst, d.id());
            put(dst, d.path());
            dst.put((byte) (d.readOnly() ? 1 : 0));
        }
        dst.putShort((short) spec.nics().size());
        for (VmSpec.NicSpec n : spec.nics()) {
            put(dst, n.id());
            put(dst, n.mac());
            put(dst, n.backend());
        }
        Map<String, String> options = new TreeMap<>(spec.options());
        dst.putShort((short) options.size());
        options.forEach((k, v) -> {
            put(dst, k);
            put(dst, v);
        });
    }

    private static void put(ByteBuffer dst, String s) {
        Wire.putString(dst, Wire.utf8(s, "VM spec field"));
    }

    static VmSpecRecord decode(ByteBuffer p) throws StreamFormatException {
        String backend = Wire.getString(p, "backend");
        String name = Wire.getString(p, "VM name");
        long memory = p.getLong();
        int vcpus = p.getInt();
        String image = Wire.getString(p, "image");
        try {
            int diskCount = Wire.u16(p);
            List<VmSpec.DiskSpec> disks = new ArrayList<>();
            for (int i = 0; i < diskCount; i++) {
                String id = Wire.getString(p, "disk id");
                String path = Wire.getString(p, "disk path");
                byte ro = p.get();
                if (ro != 0 && ro != 1) {
                    throw new StreamFormatException(Reason.MALFORMED, "disk " + id + " read-only flag is " + ro);
                }
                disks.add(new VmSpec.DiskSpec(id, path, ro == 1));
            }
            int nicCount = Wire.u16(p);
            List<VmSpec.NicSpec> nics = new ArrayList<>();
            for (int i = 0; i < nicCount; i++) {
                nics.add(new VmSpec.NicSpec(Wire.getString(p, "NIC id"), Wire.getString(p, "NIC MAC"),
                        Wire.getString(p, "NIC backend")));
            }
            Map<String, String> options = new TreeMap<>();
            int optionCount = Wire.u16(p);
            for (int i = 0; i < optionCount; i++) {
                options.put(Wire.getString(p, "option key"), Wire.getString(p, "option value"));
            }
            return new VmSpecRecord(backend, new VmSpec(name, memory, vcpus, image, disks, nics, options));
        } catch (IllegalArgumentException e) {
            // Every rule of VmSpec and its parts, disks included (a replicated disk's relative path).
            throw new StreamFormatException(Reason.MALFORMED, "VM spec of '" + name + "' is invalid: " + e.getMessage(), e);
        }
    }
}
