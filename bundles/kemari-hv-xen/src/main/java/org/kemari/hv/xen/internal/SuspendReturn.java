package org.kemari.hv.xen.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalLong;

import org.kemari.hv.xen.internal.sys.HvmSaveRecord;

/**
 * What a suspended guest's suspend hypercall returns when it runs again: vCPU 0's rax in the HVM
 * context blob. 0 means the suspend happened (Linux then resumes its xenbus devices: netfront
 * reconnects to the vifs of the domain it now runs in); 1 means it was cancelled (devices carry on
 * with what they had, which is right only in the same domain: what a REMUS fast resume does).
 */
final class SuspendReturn {
    private static final int TYPE_CPU = 2;
    private static final int TYPE_END = 0;
    private static final int CPU_RAX = 512;

    private SuspendReturn() {
    }

    /** vCPU 0's rax, or empty if the blob has no CPU record for it. */
    static OptionalLong of(byte[] context) {
        int at = cpu0(context);
        return at < 0 ? OptionalLong.empty() : OptionalLong.of(buffer(context).getLong(at + CPU_RAX));
    }

    /** A copy of the blob in which vCPU 0's suspend returns {@code value}. */
    static byte[] with(byte[] context, long value) {
        int at = cpu0(context);
        if (at < 0) {
            throw new IllegalArgumentException("HVM context without a CPU record for vCPU 0");
        }
        byte[] copy = context.clone();
        buffer(copy).putLong(at + CPU_RAX, value);
        return copy;
    }

    /** Offset of vCPU 0's CPU record data, or -1. */
    private static int cpu0(byte[] context) {
        ByteBuffer b = buffer(context);
        int at = 0;
        while (at + HvmSaveRecord.DESCRIPTOR_SIZE <= context.length) {
            int type = b.getShort(at + HvmSaveRecord.DESCRIPTOR_TYPECODE) & 0xffff;
            int instance = b.getShort(at + HvmSaveRecord.DESCRIPTOR_INSTANCE) & 0xffff;
            int length = b.getInt(at + HvmSaveRecord.DESCRIPTOR_LENGTH);
            int data = at + HvmSaveRecord.DESCRIPTOR_SIZE;
            if (type == TYPE_END || length < 0 || data + length > context.length) {
                return -1;
            }
            if (type == TYPE_CPU && instance == 0 && length >= HvmSaveRecord.CPU_SIZE) {
                return data;
            }
            at = data + length;
        }
        return -1;
    }

    private static ByteBuffer buffer(byte[] context) {
        return ByteBuffer.wrap(context).order(ByteOrder.LITTLE_ENDIAN);
    }
}
