package org.kemari.core.internal.stream;

import java.nio.ByteOrder;

import org.kemari.api.hv.GuestMemory;

/** Sizes and limits of the epoch stream format (docs/specs/epoch-stream.md). */
public final class StreamFormat {
    /** Every multi-byte field is little-endian: both ends are x86-64 hosts and KVM's structs are too. */
    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    public static final int PAGE_SIZE = GuestMemory.PAGE_SIZE;
    /** Records start and end on 8-byte boundaries, so page data inside a frame stays 8-aligned. */
    public static final int ALIGN = 8;
    /** u16 type, u16 flags, u32 payload length. */
    public static final int RECORD_HEADER_BYTES = 8;
    /** The u32 CRC32C that ends every record. */
    public static final int RECORD_CRC_BYTES = 4;
    /** Longest page run a reader accepts (16 MiB); writers split longer runs. */
    public static final int MAX_RUN_PAGES = 4096;
    /** Page run length the writer uses: 1 MiB keeps frames moderate without many records. */
    public static final int WRITER_RUN_PAGES = 256;
    /** Longest disk write carried in one record. */
    public static final int MAX_DISK_WRITE_BYTES = 16 << 20;
    /** Longest payload a reader accepts: a corrupt length never makes it allocate or wait for gigabytes. */
    public static final int MAX_PAYLOAD_BYTES = (16 << 20) + 4096;
    /** Record flag: a reader that does not know this record's type may skip it (added by a newer minor). */
    public static final int RECORD_FLAG_SKIPPABLE = 0x8000;
    /** Header flag: the stream carries DISK_WRITE records (replicated storage). */
    public static final int HEADER_FLAG_REPLICATED_DISKS = 0x1;
    /**
     * Header flag (must be understood): epochs carry a backend's own checkpoint stream as
     * BACKEND_STREAM records instead of PAGES and STATE; the standby feeds it to the backend.
     */
    public static final int HEADER_FLAG_BACKEND_STREAM = 0x2;
    /** Header flags bits 0..15 must be understood by the reader; bits 16..31 may be ignored. */
    public static final int HEADER_FLAGS_MUST_UNDERSTAND = 0xFFFF;
    /** Header flags this version understands. */
    public static final int HEADER_FLAGS_KNOWN = HEADER_FLAG_REPLICATED_DISKS | HEADER_FLAG_BACKEND_STREAM;
    /** In EPOCH_BEGIN: the writer does not know the count in advance (epoch 0 with pre-copy rounds). */
    public static final long UNKNOWN_COUNT = -1L;

    private StreamFormat() {
    }

    /** Total bytes of a record with the given payload length, padding and CRC included. */
    public static long recordBytes(long payloadLength) {
        return alignUp(RECORD_HEADER_BYTES + payloadLength + RECORD_CRC_BYTES);
    }

    /** Zero bytes between the payload and the CRC. */
    public static int paddingBytes(long payloadLength) {
        return (int) (recordBytes(payloadLength) - RECORD_HEADER_BYTES - payloadLength - RECORD_CRC_BYTES);
    }

    public static long alignUp(long n) {
        return (n + ALIGN - 1) & -ALIGN;
    }
}
