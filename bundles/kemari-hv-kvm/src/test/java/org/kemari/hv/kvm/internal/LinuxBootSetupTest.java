package org.kemari.hv.kvm.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.Test;
import org.kemari.api.hv.HypervisorException;
import org.kemari.hv.kvm.internal.sys.KvmLayout;

/**
 * The Linux boot setup without a hypervisor: what a synthetic bzImage's header says, what lands in
 * guest RAM (boot_params, e820, command line, initrd, kernel), the entry registers, the CPUID edits,
 * and the one-line refusals of kernels, initrds and RAM sizes that cannot boot.
 */
public class LinuxBootSetupTest {
    private static final int SETUP_SECTS = 4;

    /** A bzImage-shaped image: 4 setup sectors plus the boot sector, then a protected-mode part of {@code kernelBytes}. */
    static byte[] bzImage(int version, int xloadflags, int kernelBytes) {
        byte[] image = new byte[(SETUP_SECTS + 1) * 512 + kernelBytes];
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1F1, (byte) SETUP_SECTS);
        b.putShort(0x1FE, (short) 0xAA55);
        b.put(0x201, (byte) 0x66); // setup header ends at 0x268
        b.put(0x202, "HdrS".getBytes());
        b.putShort(0x206, (short) version);
        b.put(0x211, (byte) 0x01); // LOADED_HIGH
        b.putInt(0x22C, 0x37FFFFFF); // initrd_addr_max
        b.putShort(0x236, (short) xloadflags);
        b.putInt(0x238, 2047); // cmdline_size
        b.putInt(0x260, 4 << 20); // init_size
        for (int i = 0; i < kernelBytes; i++) {
            image[(SETUP_SECTS + 1) * 512 + i] = (byte) (i * 7 + 1);
        }
        return image;
    }

    @Test
    public void kernelInitrdCommandLineAndE820LandWhereTheBootProtocolSays() throws Exception {
        byte[] image = bzImage(0x20F, 1, 8192);
        LinuxKernel kernel = LinuxKernel.parse("vmlinuz", image);
        assertEquals("2.15", kernel.protocol());
        byte[] initrd = new byte[10_000];
        initrd[0] = 0x1F;
        initrd[9_999] = 0x42;
        MemoryLayout layout = new MemoryLayout(64L << 20);
        try (GuestRam ram = new GuestRam(layout.ramSize())) {
            LinuxBoot.writeMemory(ram, layout, kernel, initrd, "console=ttyS0 quiet");

            assertEquals("the protected-mode kernel at 1 MiB", image[5 * 512 + 100], byteAt(ram, LinuxBoot.KERNEL + 100));
            long zp = LinuxBoot.BOOT_PARAMS;
            assertEquals("the setup header is copied", 0x53726448, ram.getInt(zp + 0x202)); // "HdrS"
            assertEquals("type_of_loader: undefined", (byte) 0xFF, byteAt(ram, zp + 0x210));
            assertEquals("CAN_USE_HEAP added to LOADED_HIGH", (byte) 0x81, byteAt(ram, zp + 0x211));
            assertEquals(LinuxBoot.CMDLINE, ram.getInt(zp + 0x228));
            assertEquals("console=ttyS0 quiet", cString(ram, LinuxBoot.CMDLINE));
            long initrdAt = ram.getInt(zp + 0x218) & 0xFFFFFFFFL;
            assertEquals(initrd.length, ram.getInt(zp + 0x21C));
            assertEquals("page-aligned at the top of low RAM", 0, initrdAt % 4096);
            assertTrue(initrdAt + initrd.length <= layout.ramBelow4g() && initrdAt + initrd.length > layout.ramBelow4g() - 4096);
            assertEquals(0x1F, byteAt(ram, initrdAt));
            assertEquals(0x42, byteAt(ram, initrdAt + 9_999));
            assertEquals("e820: low RAM, BIOS area reserved, RAM from 1 MiB", 3, byteAt(ram, zp + 0x1E8));
            assertE820(ram, 0, 0, 0xA0000, 1);
            assertE820(ram, 1, 0xF0000, 0x10000, 2);
            assertE820(ram, 2, 0x100000, (64L << 20) - 0x100000, 1);
        }
    }

    @Test
    public void ramAbove4GiBIsAFourthE820Entry() throws Exception {
        MemoryLayout layout = new MemoryLayout(0xC000_0000L + (16L << 20));
        try (GuestRam ram = new GuestRam(layout.ramSize())) {
            LinuxBoot.writeMemory(ram, layout, LinuxKernel.parse("k", bzImage(0x20F, 1, 4096)), new byte[0], "quiet");
            assertEquals(4, byteAt(ram, LinuxBoot.BOOT_PARAMS + 0x1E8));
            assertE820(ram, 3, 1L << 32, 16L << 20, 1);
            assertEquals("no initrd", 0, ram.getInt(LinuxBoot.BOOT_PARAMS + 0x21C));
        }
    }

    @Test
    public void entryStateIsLongModeAtThe64BitEntryWithBootParamsInRsi() {
        ByteBuffer regs = ByteBuffer.wrap(LinuxBoot.entryRegs()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x100200L, regs.getLong(KvmLayout.REGS_RIP));
        assertEquals(LinuxBoot.BOOT_PARAMS, regs.getLong(KvmLayout.REGS_RSI));
        ByteBuffer sregs = ByteBuffer.wrap(LinuxBoot.entrySregs(new byte[KvmLayout.SREGS_SIZE])).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(LinuxBoot.CODE_SELECTOR, sregs.getShort(KvmLayout.SREGS_CS + KvmLayout.SEG_SELECTOR));
        assertEquals(LinuxBoot.DATA_SELECTOR, sregs.getShort(KvmLayout.SREGS_SS + KvmLayout.SEG_SELECTOR));
        assertEquals(LinuxBoot.PML4, sregs.getLong(KvmLayout.SREGS_CR3));
        assertEquals("LME and LMA", 0x500L, sregs.getLong(KvmLayout.SREGS_EFER));
    }

    @Test
    public void kernelsThatCannotBootThisWayAreRefusedInOneLine() {
        assertFalse(LinuxKernel.looksLikeBzImage(new byte[4096]));
        assertEquals("kernel k is not a bzImage (no \"HdrS\" setup header at 0x202)", refusal(() -> LinuxKernel.parse("k", new byte[4096])));
        assertEquals("kernel k speaks boot protocol 2.10; 64-bit boot needs 2.12 or later",
                refusal(() -> LinuxKernel.parse("k", bzImage(0x20A, 1, 4096))));
        assertEquals("kernel k has no 64-bit entry point (xloadflags lacks XLF_KERNEL_64)",
                refusal(() -> LinuxKernel.parse("k", bzImage(0x20F, 0, 4096))));
    }

    @Test
    public void tooLittleRamOrTooLongACommandLineIsRefused() throws Exception {
        LinuxKernel kernel = LinuxKernel.parse("k", bzImage(0x20F, 1, 4096));
        MemoryLayout small = new MemoryLayout(6L << 20);
        try (GuestRam ram = new GuestRam(small.ramSize())) {
            assertEquals("6 MiB of RAM is too little for this kernel (needs 4 MiB from 1 MiB on) and its initrd of 2048 KiB",
                    refusal(() -> LinuxBoot.writeMemory(ram, small, kernel, new byte[2 << 20], "quiet")));
            assertEquals("kernel command line of 2048 bytes is longer than the kernel takes (2047)",
                    refusal(() -> LinuxBoot.writeMemory(ram, small, kernel, new byte[0], "x".repeat(2048))));
        }
    }

    @Test
    public void initrdOptionsAreReadOrRefusedByName() throws Exception {
        assertEquals(LinuxOptions.DEFAULT_CMDLINE, LinuxOptions.parse(Map.of()).cmdline());
        assertEquals(0, LinuxOptions.parse(Map.of()).initrd().length);
        assertEquals("initrd /no/such/initrd does not exist",
                refusal(() -> LinuxOptions.parse(Map.of(LinuxOptions.INITRD, "/no/such/initrd")).initrd()));
        Path empty = Files.createTempFile("kemari-initrd", ".gz");
        try {
            assertEquals("initrd " + empty + " is 0 bytes; it must hold 1 byte to 1 GiB",
                    refusal(() -> LinuxOptions.parse(Map.of(LinuxOptions.INITRD, empty.toString())).initrd()));
            Files.write(empty, new byte[] {1, 2, 3});
            assertEquals(3, LinuxOptions.parse(Map.of(LinuxOptions.INITRD, empty.toString())).initrd().length);
        } finally {
            Files.delete(empty);
        }
    }

    @Test
    public void linuxCpuidHasTheHypervisorBitAndOnlyTheClockOfKvmsFeatures() {
        ByteBuffer b = ByteBuffer.allocate(2 * KvmLayout.CPUID_ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(KvmLayout.CPUID_FUNCTION, 1);
        b.putInt(KvmLayout.CPUID_EBX, 0x05000800);
        b.putInt(KvmLayout.CPUID_ENTRY_SIZE + KvmLayout.CPUID_FUNCTION, 0x40000001);
        b.putInt(KvmLayout.CPUID_ENTRY_SIZE + KvmLayout.CPUID_EAX, 0x01FFFFFF);
        CpuidTable table = new CpuidTable(b.array()).forLinux().forVcpu(0);
        ByteBuffer out = ByteBuffer.wrap(table.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1 << 31, out.getInt(KvmLayout.CPUID_ECX));
        assertEquals("APIC id 0", 0x00000800, out.getInt(KvmLayout.CPUID_EBX));
        assertEquals("clocksource, no-op I/O delay, clocksource2, stable bit", 0x0100000B,
                out.getInt(KvmLayout.CPUID_ENTRY_SIZE + KvmLayout.CPUID_EAX));
    }

    private interface Call {
        void run() throws Exception;
    }

    private static String refusal(Call call) {
        HypervisorException e = assertThrows(HypervisorException.class, call::run);
        assertEquals(HypervisorException.Reason.INVALID_REQUEST, e.reason());
        return e.getMessage();
    }

    private static void assertE820(GuestRam ram, int index, long addr, long size, int type) {
        long at = LinuxBoot.BOOT_PARAMS + 0x2D0 + 20L * index;
        assertEquals(addr, ram.getLong(at));
        assertEquals(size, ram.getLong(at + 8));
        assertEquals(type, ram.getInt(at + 16));
    }

    private static byte byteAt(GuestRam ram, long offset) {
        ByteBuffer one = ByteBuffer.allocate(1);
        ram.read(offset, one);
        return one.get(0);
    }

    private static String cString(GuestRam ram, long offset) {
        StringBuilder s = new StringBuilder();
        for (byte c; (c = byteAt(ram, offset + s.length())) != 0; ) {
            s.append((char) c);
        }
        return s.toString();
    }
}
