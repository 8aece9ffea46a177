package org.kemari.core.internal.standby;

import java.nio.ByteBuffer;

/**
 * A disk write of a committed epoch, waiting to be applied.
 *
 * @param epoch the epoch that carried it
 * @param data a private copy, position 0
 */
public record CommittedDiskWrite(long epoch, String diskId, long offset, ByteBuffer data) {
}
