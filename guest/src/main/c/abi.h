/* The guest side of docs/specs/guest-abi.md (version 1): boot info, status area, ports, codes. */
#ifndef KEMARI_ABI_H
#define KEMARI_ABI_H

#include "types.h"

#define KEMARI_ABI_VERSION 1u
#define KEMARI_BOOT_MAGIC 0x49424952414D454Bull /* "KEMARIBI" */

#define BOOT_INFO_ADDR 0x1000ul
#define STATUS_ADDR (BOOT_INFO_ADDR + 0x800)

#define PORT_CONSOLE 0x500
#define PORT_WAIT 0x510
#define PORT_REPORT 0x520
#define PORT_PANIC 0x530
#define PORT_EXIT 0x540

#define WL_DIRTIER (1u << 0)
#define WL_DISK_WRITER (1u << 1)
#define WL_NET_RESPONDER (1u << 2)
#define WL_KV_SERVER (1u << 3) /* implies the NET_RESPONDER's IPv4 host */

/* PANIC codes; CPU exceptions are 0x100 + vector (reported by the ring-0 stubs in entry.S). */
#define PANIC_EXCEPTION_BASE 0x100u
#define PANIC_BAD_BOOT_INFO 0x200u
#define PANIC_VIRTIO_DEVICE 0x201u
#define PANIC_BLK_REQUEST 0x202u
#define PANIC_DISK_MISMATCH 0x203u
#define PANIC_BAD_CONFIG 0x204u

/* Written by the VMM before entry; read-only for the guest. */
struct kemari_boot_info {
    u64 magic;
    u32 abi_version;
    u32 workloads;
    u64 ram_size;
    u64 ram_below_4g;
    u32 dirty_pages;
    u32 dirty_region_pages;
    u32 disk_mode;
    u32 disk_blocks;
    u64 disk_seed;
    u32 pace_us;
    u32 report_every;
    u8 mac[6];
    u16 reserved;
    u32 ipv4; /* network byte order */
    u32 max_rounds;
    u32 console_every;
    u32 kv_port;       /* KV_SERVER: TCP port (0 = 9000) */
    u32 kv_log_start;  /* KV_SERVER: first 4 KiB block of the log region (if kv_log_blocks != 0) */
    u32 kv_log_blocks; /* KV_SERVER: blocks of the log region (0 = the upper half of the disk) */
    u32 tsc_khz;       /* the vCPU's TSC frequency as KVM runs it (KVM_GET_TSC_KHZ); 0 = unknown */
};

/* The guest's status area at boot info + 0x800; the VMM and tests read it. */
struct kemari_status {
    u64 sequence;
    u64 rounds;
    u64 dirty_iterations;
    u64 disk_writes_submitted;
    u64 disk_writes_acked;
    u64 net_rx_frames;
    u64 net_tx_frames;
    u64 icmp_echo_replies;
    u64 udp_echo_replies;
    u64 write_log_addr;
    u64 write_log_capacity;
    u64 panic_code;
    u64 panic_rip;
    u64 panic_error;
    u64 panic_cr2;
    u64 dirty_region_addr;
    u64 udp_status_replies;
    /* KV_SERVER and its TCP (0x888..) */
    u64 kv_puts;            /* PUTs acknowledged (records on disk) */
    u64 kv_gets;
    u64 kv_errors;          /* ERR replies */
    u64 kv_log_start;       /* the log region actually used, in 4 KiB blocks */
    u64 kv_log_blocks;
    u64 tcp_segments_in;    /* TCP segments with a valid checksum */
    u64 tcp_segments_out;
    u64 tcp_connections;    /* connections that reached ESTABLISHED */
    u64 tcp_retransmits;    /* segments resent because a retransmission timer expired */
    u64 tcp_resets_sent;
    u64 tsc_per_ms;         /* rdtsc calibration (ticks per millisecond) */
};

/* Offsets are part of the contract: fail the build, not the VMM, if the structs drift. */
_Static_assert(__builtin_offsetof(struct kemari_boot_info, mac) == 0x40, "boot info layout");
_Static_assert(__builtin_offsetof(struct kemari_boot_info, ipv4) == 0x48, "boot info layout");
_Static_assert(__builtin_offsetof(struct kemari_boot_info, console_every) == 0x50, "boot info layout");
_Static_assert(__builtin_offsetof(struct kemari_status, panic_code) == 0x58, "status layout");
_Static_assert(__builtin_offsetof(struct kemari_status, dirty_region_addr) == 0x78, "status layout");
_Static_assert(__builtin_offsetof(struct kemari_status, udp_status_replies) == 0x80, "status layout");
_Static_assert(__builtin_offsetof(struct kemari_boot_info, kv_log_blocks) == 0x5C, "boot info layout");
_Static_assert(__builtin_offsetof(struct kemari_boot_info, tsc_khz) == 0x60, "boot info layout");
_Static_assert(__builtin_offsetof(struct kemari_status, kv_puts) == 0x88, "status layout");
_Static_assert(__builtin_offsetof(struct kemari_status, tsc_per_ms) == 0xD8, "status layout");

#define BOOT_INFO ((const volatile struct kemari_boot_info *)BOOT_INFO_ADDR)
#define STATUS ((volatile struct kemari_status *)STATUS_ADDR)

#endif
