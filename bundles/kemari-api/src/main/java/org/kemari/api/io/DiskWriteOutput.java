package org.kemari.api.io;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A {@link PendingOutput} of kind {@link OutputKind#DISK_WRITE} that shows what it will write, so
 * that a disk interceptor can also carry it to the standby (replicated disks). Backends whose
 * disk writes implement this support replicated storage.
 */
@ProviderType
public interface DiskWriteOutput extends PendingOutput {

    /** Byte offset in the disk ({@link #deviceId()}). */
    long offset();

    /**
     * The bytes to write: a read-only view, position 0, as the guest wrote them when it issued
     * the request. They never change, so the view may be kept until the output is settled.
     */
    ByteBuffer data();
}
