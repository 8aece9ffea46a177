package org.kemari.hv.kvm.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.kemari.api.hv.HypervisorException;
import org.kemari.hv.kvm.internal.sys.KvmLayout;

/**
 * Prepares a fresh guest as the ABI's entry state says: boot info page, boot GDT, identity page
 * tables with U/S=1 (so ring 3 reaches everything), the image at 1 MiB, and the long-mode
 * registers.
 */
final class BootSetup {
    private static final long CR0_PE = 1L, CR0_MP = 1L << 1, CR0_ET = 1L << 4, CR0_NE = 1L << 5, CR0_WP = 1L << 16, CR0_PG = 1L << 31;
    private static final long CR4_PAE = 1L << 5, CR4_OSFXSR = 1L << 9, CR4_OSXMMEXCPT = 1L << 10;
    private static final long EFER_SCE = 1L, EFER_LME = 1L << 8, EFER_LMA = 1L << 10;
    /** Present | writable | user. */
    private static final long PTE_PWU = 0x7;
    /** 2 MiB page in a page directory. */
    private static final long PDE_LARGE = 0x80;
    private static final long GIB = 1L << 30;

    /** null, 64-bit ring-0 code (0x08), ring-0 data (0x10). */
    private static final long[] GDT_ENTRIES = {0L, 0x00AF9A000000FFFFL, 0x00CF92000000FFFFL};

    private BootSetup() {
    }

    /** Writes boot info, GDT, page tables and the image into {@code ram}. */
    static void writeMemory(GuestRam ram, MemoryLayout layout, GuestOptions options, byte[] mac, byte[] image)
            throws HypervisorException {
        if (GuestAbi.IMAGE_BASE + image.length > layout.ramBelow4g()) {
            throw new HypervisorException(HypervisorException.Reason.INVALID_REQUEST, "guest image of " + image.length
                    + " bytes does not fit below the end of low RAM (" + layout.ramBelow4g() + " bytes of RAM from 0, image loads at 1 MiB)");
        }
        writeBootInfo(ram, layout, options, mac);
        for (int i = 0; i < GDT_ENTRIES.length; i++) {
            ram.putLong(GuestAbi.GDT + 8L * i, GDT_ENTRIES[i]);
        }
        writePageTables(ram, layout);
        ram.write(GuestAbi.IMAGE_BASE, image);
    }

    private static void writeBootInfo(GuestRam ram, MemoryLayout layout, GuestOptions o, byte[] mac) {
        ByteBuffer b = ByteBuffer.allocate(0x800).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(GuestAbi.BI_MAGIC, GuestAbi.BOOT_MAGIC);
        b.putInt(GuestAbi.BI_ABI_VERSION, GuestAbi.ABI_VERSION);
        b.putInt(GuestAbi.BI_WORKLOADS, o.workloads());
        b.putLong(GuestAbi.BI_RAM_SIZE, layout.ramSize());
        b.putLong(GuestAbi.BI_RAM_BELOW_4G, layout.ramBelow4g());
        b.putInt(GuestAbi.BI_DIRTY_PAGES, o.dirtyPages());
        b.putInt(GuestAbi.BI_DIRTY_REGION_PAGES, o.dirtyRegionPages());
        b.putInt(GuestAbi.BI_DISK_MODE, o.diskMode());
        b.putInt(GuestAbi.BI_DISK_BLOCKS, o.diskBlocks());
        b.putLong(GuestAbi.BI_DISK_SEED, o.diskSeed());
        b.putInt(GuestAbi.BI_PACE_US, o.paceMicros());
        b.putInt(GuestAbi.BI_REPORT_EVERY, o.reportEvery());
        b.put(GuestAbi.BI_MAC, mac, 0, 6);
        b.putInt(GuestAbi.BI_IPV4, o.ipv4());
        b.putInt(GuestAbi.BI_MAX_ROUNDS, o.maxRounds());
        b.putInt(GuestAbi.BI_CONSOLE_EVERY, o.consoleEvery());
        b.putInt(GuestAbi.BI_KV_PORT, o.kvPort());
        b.putInt(GuestAbi.BI_KV_LOG_START, o.kvLogStart());
        b.putInt(GuestAbi.BI_KV_LOG_BLOCKS, o.kvLogBlocks());
        ram.write(GuestAbi.BOOT_INFO, b);
    }

    /** The boot info's tsc_khz (0 = unknown: the guest measures it). */
    static void writeTscKhz(GuestRam ram, int khz) {
        ram.putInt(GuestAbi.BOOT_INFO + GuestAbi.BI_TSC_KHZ, khz);
    }

    /** Identity map of the first 4 GiB and all RAM above, with 2 MiB pages, one page directory per GiB. */
    private static void writePageTables(GuestRam ram, MemoryLayout layout) {
        int gibs = (int) Math.max(4, (layout.gpaEnd() + GIB - 1) / GIB);
        ram.putLong(GuestAbi.PML4, GuestAbi.PDPT | PTE_PWU);
        ByteBuffer pd = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        for (int g = 0; g < gibs; g++) {
            long pdAddr = GuestAbi.PAGE_DIRECTORIES + 4096L * g;
            ram.putLong(GuestAbi.PDPT + 8L * g, pdAddr | PTE_PWU);
            for (int e = 0; e < 512; e++) {
                pd.putLong(8 * e, (g * GIB + ((long) e << 21)) | PTE_PWU | PDE_LARGE);
            }
            pd.clear();
            ram.write(pdAddr, pd);
            pd.clear();
        }
    }

    /** Turns the vCPU's reset sregs into the ABI's 64-bit entry state. */
    static byte[] entrySregs(byte[] resetSregs) {
        ByteBuffer s = ByteBuffer.wrap(resetSregs.clone()).order(ByteOrder.LITTLE_ENDIAN);
        segment(s, KvmLayout.SREGS_CS, 0x08, 11, true);
        for (int seg : new int[] {KvmLayout.SREGS_DS, KvmLayout.SREGS_ES, KvmLayout.SREGS_FS, KvmLayout.SREGS_GS, KvmLayout.SREGS_SS}) {
            segment(s, seg, 0x10, 3, false);
        }
        // A valid busy 64-bit TSS descriptor in TR; the guest loads its own before leaving ring 0.
        s.putLong(KvmLayout.SREGS_TR + KvmLayout.SEG_BASE, 0);
        s.putInt(KvmLayout.SREGS_TR + KvmLayout.SEG_LIMIT, 0xFFFF);
        s.putShort(KvmLayout.SREGS_TR + KvmLayout.SEG_SELECTOR, (short) 0);
        s.put(KvmLayout.SREGS_TR + KvmLayout.SEG_TYPE, (byte) 11);
        s.put(KvmLayout.SREGS_TR + KvmLayout.SEG_PRESENT, (byte) 1);
        s.put(KvmLayout.SREGS_TR + KvmLayout.SEG_S, (byte) 0);
        s.put(KvmLayout.SREGS_TR + KvmLayout.SEG_UNUSABLE, (byte) 0);
        s.putLong(KvmLayout.SREGS_GDT + KvmLayout.DTABLE_BASE, GuestAbi.GDT);
        s.putShort(KvmLayout.SREGS_GDT + KvmLayout.DTABLE_LIMIT, (short) (8 * GDT_ENTRIES.length - 1));
        s.putLong(KvmLayout.SREGS_IDT + KvmLayout.DTABLE_BASE, 0);
        s.putShort(KvmLayout.SREGS_IDT + KvmLayout.DTABLE_LIMIT, (short) 0);
        s.putLong(KvmLayout.SREGS_CR0, CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG);
        s.putLong(KvmLayout.SREGS_CR3, GuestAbi.PML4);
        s.putLong(KvmLayout.SREGS_CR4, CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT);
        s.putLong(KvmLayout.SREGS_EFER, EFER_LME | EFER_LMA | EFER_SCE);
        return s.array();
    }

    static void segment(ByteBuffer s, int at, int selector, int type, boolean code) {
        s.putLong(at + KvmLayout.SEG_BASE, 0);
        s.putInt(at + KvmLayout.SEG_LIMIT, 0xFFFFFFFF);
        s.putShort(at + KvmLayout.SEG_SELECTOR, (short) selector);
        s.put(at + KvmLayout.SEG_TYPE, (byte) type);
        s.put(at + KvmLayout.SEG_PRESENT, (byte) 1);
        s.put(at + KvmLayout.SEG_DPL, (byte) 0);
        s.put(at + KvmLayout.SEG_DB, (byte) (code ? 0 : 1));
        s.put(at + KvmLayout.SEG_S, (byte) 1);
        s.put(at + KvmLayout.SEG_L, (byte) (code ? 1 : 0));
        s.put(at + KvmLayout.SEG_G, (byte) 1);
        s.put(at + KvmLayout.SEG_AVL, (byte) 0);
        s.put(at + KvmLayout.SEG_UNUSABLE, (byte) 0);
    }

    /** RIP = 1 MiB, RSP = 1 MiB, RDI = boot info, RFLAGS = 0x2. */
    static byte[] entryRegs() {
        ByteBuffer r = ByteBuffer.allocate(KvmLayout.REGS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        r.putLong(KvmLayout.REGS_RIP, GuestAbi.IMAGE_BASE);
        r.putLong(KvmLayout.REGS_RSP, GuestAbi.ENTRY_RSP);
        r.putLong(KvmLayout.REGS_RDI, GuestAbi.BOOT_INFO);
        r.putLong(KvmLayout.REGS_RFLAGS, 0x2);
        return r.array();
    }
}
