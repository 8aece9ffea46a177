package org.kemari.hv.kvm.internal.bus;

import java.nio.ByteBuffer;

/**
 * Guest RAM addressed by guest-physical address (GPA), as device models see it. Every write a
 * device model makes here is DMA that KVM's dirty log does not see, so implementations record
 * the written pages and merge them into the next dirty-page fetch.
 */
public interface GuestPhysicalMemory {

    /** Copies {@code dst.remaining()} bytes from guest-physical {@code gpa}. */
    void read(long gpa, ByteBuffer dst);

    /** Copies {@code src.remaining()} bytes to guest-physical {@code gpa} and marks those pages dirty. */
    void write(long gpa, ByteBuffer src);

    long readLong(long gpa);

    int readInt(long gpa);

    short readShort(long gpa);

    /** Writes and marks dirty. */
    void writeShort(long gpa, short value);

    /** Writes and marks dirty. */
    void writeInt(long gpa, int value);

    /** Writes and marks dirty. */
    void writeByte(long gpa, byte value);

    /** Whether {@code [gpa, gpa+len)} lies entirely in guest RAM. */
    boolean contains(long gpa, long len);
}
