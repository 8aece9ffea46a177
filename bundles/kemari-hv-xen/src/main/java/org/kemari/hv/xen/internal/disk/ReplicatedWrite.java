package org.kemari.hv.xen.internal.disk;

import java.nio.ByteBuffer;

import org.kemari.api.io.DiskWriteOutput;
import org.kemari.api.io.OutputKind;

/**
 * A guest's write to a Kemari-served Xen disk, as the gate lists it for its epoch: the engine
 * carries its data to the standby's copy in that epoch. The write itself is done on this host's
 * image at once ({@link DiskExport}), so release and discard have nothing left to do.
 */
final class ReplicatedWrite implements DiskWriteOutput {
    private final String diskId;
    private final long offset;
    private final byte[] bytes;

    ReplicatedWrite(String diskId, long offset, byte[] bytes) {
        this.diskId = diskId;
        this.offset = offset;
        this.bytes = bytes;
    }

    @Override
    public OutputKind kind() {
        return OutputKind.DISK_WRITE;
    }

    @Override
    public String deviceId() {
        return diskId;
    }

    @Override
    public int size() {
        return bytes.length;
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public ByteBuffer data() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    byte[] bytes() {
        return bytes;
    }

    @Override
    public void release() {
        // Done on this host's image when it was listed; the standby has it once its epoch commits.
    }

    @Override
    public void discard() {
        // The standby never gets it: it takes over from a state that had not issued it, or had it in flight.
    }
}
