package org.kemari.hv.kvm.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.kemari.api.hv.HypervisorException;
import org.kemari.api.hv.HypervisorException.Reason;
import org.kemari.hv.kvm.internal.sys.KvmLayout;

/**
 * Loads a Linux kernel the 64-bit way of the x86 boot protocol: the protected-mode kernel at
 * 1 MiB, boot_params ("zero page") with the setup header, an e820 map and the command line, the
 * initrd at the top of low RAM, and the vCPU already in long mode on identity page tables, at the
 * kernel's 64-bit entry (load address + 0x200) with RSI = boot_params.
 */
final class LinuxBoot {
    static final long GDT = 0x500;
    static final long BOOT_PARAMS = 0x7000;
    static final long PML4 = 0x9000;
    static final long PDPT = 0xA000;
    /** Four page directories: the first 4 GiB identity-mapped with 2 MiB pages. */
    static final long PAGE_DIRECTORIES = 0xB000;
    static final long CMDLINE = 0x20000;
    static final long KERNEL = 0x100000;
    /** The 64-bit entry point is this far into the protected-mode kernel. */
    static final long ENTRY_64 = 0x200;
    /** The boot protocol wants __BOOT_CS = 0x10 and __BOOT_DS = 0x18. */
    static final int CODE_SELECTOR = 0x10, DATA_SELECTOR = 0x18;
    private static final long[] GDT_ENTRIES = {0L, 0L, 0x00AF9A000000FFFFL, 0x00CF92000000FFFFL};

    // boot_params offsets
    private static final int E820_ENTRIES = 0x1E8;
    private static final int VID_MODE = 0x1FA;
    private static final int TYPE_OF_LOADER = 0x210;
    private static final int LOADFLAGS = 0x211;
    private static final int RAMDISK_IMAGE = 0x218;
    private static final int RAMDISK_SIZE = 0x21C;
    private static final int HEAP_END_PTR = 0x224;
    private static final int CMD_LINE_PTR = 0x228;
    private static final int E820_TABLE = 0x2D0;
    private static final int E820_ENTRY_SIZE = 20;
    private static final int E820_RAM = 1, E820_RESERVED = 2;
    private static final int CAN_USE_HEAP = 0x80;
    /** "Undefined loader" in type_of_loader. */
    private static final int LOADER_UNDEFINED = 0xFF;
    /** Low RAM ends below the legacy VGA/BIOS area. */
    private static final long LOW_RAM_END = 0xA0000, BIOS_START = 0xF0000, BIOS_END = 0x100000;

    private static final long CR0_PE = 1L, CR0_MP = 1L << 1, CR0_ET = 1L << 4, CR0_NE = 1L << 5, CR0_PG = 1L << 31;
    private static final long CR4_PAE = 1L << 5;
    private static final long EFER_LME = 1L << 8, EFER_LMA = 1L << 10;
    private static final long PTE_PW = 0x3, PDE_LARGE = 0x80, GIB = 1L << 30;

    private LinuxBoot() {
    }

    /** Writes everything the kernel expects to find in RAM; INVALID_REQUEST if it does not fit. */
    static void writeMemory(GuestRam ram, MemoryLayout layout, LinuxKernel kernel, byte[] initrd, String cmdline)
            throws HypervisorException {
        byte[] line = cmdline.getBytes(StandardCharsets.US_ASCII);
        if (line.length > kernel.maxCmdline()) {
            throw invalid("kernel command line of " + line.length + " bytes is longer than the kernel takes ("
                    + kernel.maxCmdline() + ")");
        }
        long kernelEnd = KERNEL + Math.max(kernel.initSize(), kernel.protectedModeSize());
        long initrdEnd = Math.min(layout.ramBelow4g(), kernel.initrdEndLimit());
        long initrdStart = (initrdEnd - initrd.length) & ~0xFFFL;
        if (initrd.length > 0 && initrdStart < kernelEnd || kernelEnd > layout.ramBelow4g()) {
            throw invalid(String.format("%d MiB of RAM is too little for this kernel (needs %d MiB from 1 MiB on) and its"
                    + " initrd of %d KiB", layout.ramSize() >> 20, (kernelEnd - KERNEL) >> 20, initrd.length >> 10));
        }
        ram.write(KERNEL, kernel.protectedModeKernel());
        if (initrd.length > 0) {
            ram.write(initrdStart, initrd);
        }
        ram.write(CMDLINE, ByteBuffer.wrap(java.util.Arrays.copyOf(line, line.length + 1)));
        ram.write(BOOT_PARAMS, bootParams(layout, kernel, initrd.length > 0 ? initrdStart : 0, initrd.length));
        for (int i = 0; i < GDT_ENTRIES.length; i++) {
            ram.putLong(GDT + 8L * i, GDT_ENTRIES[i]);
        }
        writePageTables(ram);
    }

    private static ByteBuffer bootParams(MemoryLayout layout, LinuxKernel kernel, long initrdStart, int initrdSize) {
        ByteBuffer z = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        z.put(LinuxKernel.HEADER_OFFSET, kernel.setupHeader());
        z.putShort(VID_MODE, (short) 0xFFFF);
        z.put(TYPE_OF_LOADER, (byte) LOADER_UNDEFINED);
        z.put(LOADFLAGS, (byte) (z.get(LOADFLAGS) | CAN_USE_HEAP));
        z.putShort(HEAP_END_PTR, (short) 0xFE00);
        z.putInt(RAMDISK_IMAGE, (int) initrdStart);
        z.putInt(RAMDISK_SIZE, initrdSize);
        z.putInt(CMD_LINE_PTR, (int) CMDLINE);
        int n = 0;
        n = e820(z, n, 0, LOW_RAM_END, E820_RAM);
        n = e820(z, n, BIOS_START, BIOS_END - BIOS_START, E820_RESERVED);
        n = e820(z, n, BIOS_END, layout.ramBelow4g() - BIOS_END, E820_RAM);
        if (layout.ramAbove4g() > 0) {
            n = e820(z, n, MemoryLayout.HIGH_RAM_BASE, layout.ramAbove4g(), E820_RAM);
        }
        z.put(E820_ENTRIES, (byte) n);
        return z;
    }

    private static int e820(ByteBuffer z, int index, long addr, long size, int type) {
        int at = E820_TABLE + index * E820_ENTRY_SIZE;
        z.putLong(at, addr).putLong(at + 8, size).putInt(at + 16, type);
        return index + 1;
    }

    /** Identity map of the first 4 GiB with 2 MiB pages: enough for the kernel, boot_params, command line and initrd. */
    private static void writePageTables(GuestRam ram) {
        ram.putLong(PML4, PDPT | PTE_PW);
        for (int g = 0; g < 4; g++) {
            long pd = PAGE_DIRECTORIES + 4096L * g;
            ram.putLong(PDPT + 8L * g, pd | PTE_PW);
            for (int e = 0; e < 512; e++) {
                ram.putLong(pd + 8L * e, (g * GIB + ((long) e << 21)) | PTE_PW | PDE_LARGE);
            }
        }
    }

    /** The reset sregs turned into 64-bit mode with the boot protocol's selectors. */
    static byte[] entrySregs(byte[] resetSregs) {
        ByteBuffer s = ByteBuffer.wrap(resetSregs.clone()).order(ByteOrder.LITTLE_ENDIAN);
        BootSetup.segment(s, KvmLayout.SREGS_CS, CODE_SELECTOR, 11, true);
        for (int seg : new int[] {KvmLayout.SREGS_DS, KvmLayout.SREGS_ES, KvmLayout.SREGS_FS, KvmLayout.SREGS_GS, KvmLayout.SREGS_SS}) {
            BootSetup.segment(s, seg, DATA_SELECTOR, 3, false);
        }
        s.putLong(KvmLayout.SREGS_GDT + KvmLayout.DTABLE_BASE, GDT);
        s.putShort(KvmLayout.SREGS_GDT + KvmLayout.DTABLE_LIMIT, (short) (8 * GDT_ENTRIES.length - 1));
        s.putLong(KvmLayout.SREGS_CR0, CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_PG);
        s.putLong(KvmLayout.SREGS_CR3, PML4);
        s.putLong(KvmLayout.SREGS_CR4, CR4_PAE);
        s.putLong(KvmLayout.SREGS_EFER, EFER_LME | EFER_LMA);
        return s.array();
    }

    /** RIP at the 64-bit entry, RSI = boot_params, interrupts off. */
    static byte[] entryRegs() {
        ByteBuffer r = ByteBuffer.allocate(KvmLayout.REGS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        r.putLong(KvmLayout.REGS_RIP, KERNEL + ENTRY_64);
        r.putLong(KvmLayout.REGS_RSI, BOOT_PARAMS);
        r.putLong(KvmLayout.REGS_RSP, BOOT_PARAMS); // below boot_params; the kernel sets its own stack at once
        r.putLong(KvmLayout.REGS_RFLAGS, 0x2);
        return r.array();
    }

    private static HypervisorException invalid(String message) {
        return new HypervisorException(Reason.INVALID_REQUEST, message);
    }
}
