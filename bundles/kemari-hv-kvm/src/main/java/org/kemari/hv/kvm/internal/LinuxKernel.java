package org.kemari.hv.kvm.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;

/**
 * A Linux x86 bzImage as the boot protocol (Documentation/arch/x86/boot.rst) describes it: a
 * real-mode setup part of {@code setup_sects} sectors, then the protected-mode kernel, with the
 * setup header at 0x1f1. Only what a 64-bit loader needs is read.
 */
final class LinuxKernel {
    static final int HEADER_OFFSET = 0x1F1;
    private static final int SETUP_SECTS = 0x1F1;
    private static final int BOOT_FLAG = 0x1FE;
    private static final int JUMP_END = 0x201;
    private static final int HEADER_MAGIC = 0x202;
    private static final int VERSION = 0x206;
    private static final int INITRD_ADDR_MAX = 0x22C;
    private static final int CMDLINE_SIZE = 0x238;
    private static final int XLOADFLAGS = 0x236;
    private static final int INIT_SIZE = 0x260;
    /** XLF_KERNEL_64: the kernel has the 64-bit entry point at load address + 0x200. */
    private static final int XLF_KERNEL_64 = 1;
    /** The 2.12 protocol brought xloadflags, which says whether the 64-bit entry exists. */
    static final int MIN_VERSION = 0x20C;

    private final byte[] image;
    private final int setupBytes;
    private final int version;

    private LinuxKernel(byte[] image, int setupBytes, int version) {
        this.image = image;
        this.setupBytes = setupBytes;
        this.version = version;
    }

    /** Whether {@code image} starts like a bzImage ("HdrS" at 0x202 and the 0xAA55 boot flag). */
    static boolean looksLikeBzImage(byte[] image) {
        return image.length > 0x300
                && new String(image, HEADER_MAGIC, 4, StandardCharsets.US_ASCII).equals("HdrS")
                && (le(image).getShort(BOOT_FLAG) & 0xFFFF) == 0xAA55;
    }

    /** Parses a bzImage; INVALID_REQUEST naming what is wrong when it cannot be booted the 64-bit way. */
    static LinuxKernel parse(String name, byte[] image) throws HypervisorException {
        if (!looksLikeBzImage(image)) {
            throw invalid("kernel " + name + " is not a bzImage (no \"HdrS\" setup header at 0x202)");
        }
        ByteBuffer b = le(image);
        int version = b.getShort(VERSION) & 0xFFFF;
        if (version < MIN_VERSION) {
            throw invalid(String.format("kernel %s speaks boot protocol %d.%02d; 64-bit boot needs 2.12 or later",
                    name, version >> 8, version & 0xFF));
        }
        if ((b.getShort(XLOADFLAGS) & XLF_KERNEL_64) == 0) {
            throw invalid("kernel " + name + " has no 64-bit entry point (xloadflags lacks XLF_KERNEL_64)");
        }
        int sects = image[SETUP_SECTS] & 0xFF;
        int setupBytes = ((sects == 0 ? 4 : sects) + 1) * 512;
        if (setupBytes >= image.length) {
            throw invalid("kernel " + name + " is truncated: its setup part is " + setupBytes + " bytes of " + image.length);
        }
        return new LinuxKernel(image, setupBytes, version);
    }

    /** The setup header bytes, from 0x1f1 to its end (0x202 + the byte at 0x201), to copy into boot_params. */
    byte[] setupHeader() {
        int end = HEADER_MAGIC + (image[JUMP_END] & 0xFF);
        byte[] header = new byte[end - HEADER_OFFSET];
        System.arraycopy(image, HEADER_OFFSET, header, 0, header.length);
        return header;
    }

    /** The protected-mode kernel: what is loaded at 1 MiB. */
    ByteBuffer protectedModeKernel() {
        return ByteBuffer.wrap(image, setupBytes, image.length - setupBytes).slice();
    }

    int protectedModeSize() {
        return image.length - setupBytes;
    }

    /** The highest address the initrd may end at + 1 (initrd_addr_max is inclusive). */
    long initrdEndLimit() {
        return (le(image).getInt(INITRD_ADDR_MAX) & 0xFFFFFFFFL) + 1;
    }

    /** Longest command line the kernel takes, without the terminating NUL. */
    int maxCmdline() {
        return le(image).getInt(CMDLINE_SIZE);
    }

    /** Memory the kernel needs from its load address on while it decompresses and starts. */
    long initSize() {
        return le(image).getInt(INIT_SIZE) & 0xFFFFFFFFL;
    }

    String protocol() {
        return String.format("%d.%02d", version >> 8, version & 0xFF);
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static HypervisorException invalid(String message) {
        return new HypervisorException(Reason.INVALID_REQUEST, message);
    }
}
