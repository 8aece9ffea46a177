package org.kemari.hv.kvm.internal;

/** Constants of the guest ABI (docs/specs/guest-abi.md), version 1. */
final class GuestAbi {
    private GuestAbi() {
    }

    static final int ABI_VERSION = 1;
    /** "KEMARIBI" as a little-endian u64. */
    static final long BOOT_MAGIC = 0x49424952414D454BL;

    static final long BOOT_INFO = 0x1000;
    static final long STATUS_AREA = BOOT_INFO + 0x800;
    static final long GDT = 0x2000;
    static final long PML4 = 0x10000;
    static final long PDPT = 0x11000;
    static final long PAGE_DIRECTORIES = 0x12000;
    static final int MAX_PAGE_DIRECTORIES = 64;
    static final long IMAGE_BASE = 0x100000;
    static final long ENTRY_RSP = 0x100000;

    static final long MMIO_BASE = 0xFE00_0000L;
    static final long MMIO_SLOT_SIZE = 0x1000;
    static final int MMIO_SLOTS = 8;

    // ports
    static final int PORT_CONSOLE = 0x500;
    static final int PORT_WAIT = 0x510;
    static final int PORT_REPORT = 0x520;
    static final int PORT_PANIC = 0x530;
    static final int PORT_EXIT = 0x540;

    // boot info fields (offsets from BOOT_INFO)
    static final int BI_MAGIC = 0x000;
    static final int BI_ABI_VERSION = 0x008;
    static final int BI_WORKLOADS = 0x00C;
    static final int BI_RAM_SIZE = 0x010;
    static final int BI_RAM_BELOW_4G = 0x018;
    static final int BI_DIRTY_PAGES = 0x020;
    static final int BI_DIRTY_REGION_PAGES = 0x024;
    static final int BI_DISK_MODE = 0x028;
    static final int BI_DISK_BLOCKS = 0x02C;
    static final int BI_DISK_SEED = 0x030;
    static final int BI_PACE_US = 0x038;
    static final int BI_REPORT_EVERY = 0x03C;
    static final int BI_MAC = 0x040;
    static final int BI_IPV4 = 0x048;
    static final int BI_MAX_ROUNDS = 0x04C;
    static final int BI_CONSOLE_EVERY = 0x050;
    static final int BI_KV_PORT = 0x054;
    static final int BI_KV_LOG_START = 0x058;
    static final int BI_KV_LOG_BLOCKS = 0x05C;
    static final int BI_TSC_KHZ = 0x060;

    // status area fields (offsets from BOOT_INFO)
    static final int ST_SEQUENCE = 0x800;
    static final int ST_ROUNDS = 0x808;
    static final int ST_DIRTY_ITERATIONS = 0x810;
    static final int ST_DISK_WRITES_SUBMITTED = 0x818;
    static final int ST_DISK_WRITES_ACKED = 0x820;
    static final int ST_WRITE_LOG_ADDR = 0x848;
    static final int ST_WRITE_LOG_CAPACITY = 0x850;
    static final int ST_PANIC_CODE = 0x858;
    static final int ST_PANIC_RIP = 0x860;
    static final int ST_PANIC_ERROR = 0x868;
    static final int ST_PANIC_CR2 = 0x870;
    static final int ST_DIRTY_REGION_ADDR = 0x878;

    /** Human text for a PANIC code. */
    static String panicText(long code) {
        if (code >= 0x100 && code < 0x120) {
            return "CPU exception " + (code - 0x100) + exceptionName((int) (code - 0x100));
        }
        return switch ((int) code) {
            case 0x200 -> "bad boot info";
            case 0x201 -> "virtio device missing or refused";
            case 0x202 -> "virtio-blk request failed";
            case 0x203 -> "disk write read-back mismatch";
            case 0x204 -> "configuration does not fit (disk blocks or workload regions)";
            default -> "unknown panic code";
        };
    }

    private static String exceptionName(int vector) {
        return switch (vector) {
            case 0 -> " (#DE divide error)";
            case 6 -> " (#UD invalid opcode)";
            case 8 -> " (#DF double fault)";
            case 13 -> " (#GP general protection)";
            case 14 -> " (#PF page fault)";
            default -> "";
        };
    }
}
