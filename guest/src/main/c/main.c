/* Ring-3 main: check the boot info, set up the selected workloads, run the round loop. */
#include "abi.h"
#include "blk.h"
#include "heap.h"
#include "io.h"
#include "net.h"
#include "tcp.h"
#include "tsc.h"
#include "util.h"
#include "workloads.h"

extern char _image_end[];

void guest_report(void)
{
    u64 seq = STATUS->sequence + 1;
    STATUS->sequence = seq;
    outl(PORT_REPORT, (u32)seq);
}

__attribute__((noreturn)) void guest_panic(u32 code, u64 error)
{
    volatile struct kemari_status *st = STATUS;
    st->panic_rip = (u64)__builtin_return_address(0); /* the caller, for non-CPU panics */
    st->panic_error = error;
    st->panic_cr2 = 0;
    st->panic_code = code;
    for (;;)
        outl(PORT_PANIC, code);
}

__attribute__((noreturn)) void guest_exit(u32 code)
{
    for (;;)
        outl(PORT_EXIT, code);
}

static void print_status(void)
{
    volatile struct kemari_status *st = STATUS;
    kprintf("kemari-guest: round %lu dirty %lu disk %lu/%lu rx %lu tx %lu icmp %lu udp %lu"
            " tcp in %lu out %lu rtx %lu kv puts %lu",
            (unsigned long)st->rounds, (unsigned long)st->dirty_iterations,
            (unsigned long)st->disk_writes_acked, (unsigned long)st->disk_writes_submitted,
            (unsigned long)st->net_rx_frames, (unsigned long)st->net_tx_frames,
            (unsigned long)st->icmp_echo_replies, (unsigned long)st->udp_echo_replies,
            (unsigned long)st->tcp_segments_in, (unsigned long)st->tcp_segments_out,
            (unsigned long)st->tcp_retransmits, (unsigned long)st->kv_puts);
}

static void check_boot_info(const volatile struct kemari_boot_info *bi)
{
    if (bi->magic != KEMARI_BOOT_MAGIC) {
        kprintf("kemari-guest: bad boot info magic 0x%lx", (unsigned long)bi->magic);
        guest_panic(PANIC_BAD_BOOT_INFO, bi->magic);
    }
    if (bi->abi_version != KEMARI_ABI_VERSION) {
        kprintf("kemari-guest: boot info ABI version %u, guest implements %u", bi->abi_version,
                KEMARI_ABI_VERSION);
        guest_panic(PANIC_BAD_BOOT_INFO, bi->abi_version);
    }
    if (bi->ram_below_4g <= (u64)_image_end || bi->ram_below_4g > 0xC0000000ull) {
        kprintf("kemari-guest: bad ram_below_4g 0x%lx", (unsigned long)bi->ram_below_4g);
        guest_panic(PANIC_BAD_BOOT_INFO, bi->ram_below_4g);
    }
}

__attribute__((noreturn)) void guest_main(void)
{
    const volatile struct kemari_boot_info *bi = BOOT_INFO;
    check_boot_info(bi);
    u32 wl = bi->workloads;
    if (wl & WL_KV_SERVER)
        wl |= WL_NET_RESPONDER; /* the KV server needs the IPv4 host */
    kprintf("kemari-guest: abi %u, ram %lu MiB, workloads 0x%x, max_rounds %u, pace_us %u",
            KEMARI_ABI_VERSION, (unsigned long)(bi->ram_size >> 20), wl, bi->max_rounds,
            bi->pace_us);

    /* Devices first, then the (large) dirty region: the layout depends only on the boot info. */
    heap_init((u64)_image_end, bi->ram_below_4g);
    if (wl & WL_KV_SERVER)
        tsc_calibrate(bi->tsc_khz); /* before any device can wake a WAIT */
    if (wl & (WL_DISK_WRITER | WL_KV_SERVER))
        blk_init(); /* blk before net, as the ABI's driver sequence says */
    if (wl & WL_DISK_WRITER)
        disk_writer_init();
    if (wl & WL_NET_RESPONDER)
        net_init();
    if (wl & WL_KV_SERVER)
        kv_init();
    if (wl & WL_DIRTIER)
        dirtier_init();
    kprintf("kemari-guest: ready, heap ends at 0x%lx", (unsigned long)heap_top());

    u32 report_every = bi->report_every ? bi->report_every : 1;
    u32 console_every = bi->console_every;
    u32 max_rounds = bi->max_rounds;
    u32 pace_us = bi->pace_us;
    int net_only = !(wl & (WL_DIRTIER | WL_DISK_WRITER));
    volatile struct kemari_status *st = STATUS;

    for (;;) {
        u64 r = st->rounds;
        u32 frames = 0;
        if (wl & WL_DIRTIER)
            dirtier_round(r);
        if (wl & WL_DISK_WRITER)
            disk_writer_round();
        if (wl & WL_NET_RESPONDER)
            frames = net_poll();
        if (wl & WL_KV_SERVER)
            tcp_timers();
        st->rounds = r + 1;

        if (pace_us)
            guest_wait(pace_us);
        else if (net_only && frames == 0)
            guest_wait((wl & WL_KV_SERVER) ? tcp_wait_us() : 0); /* until a frame or a TCP timer */

        if ((r + 1) % report_every == 0)
            guest_report();
        if (console_every && (r + 1) % console_every == 0)
            print_status();
        if (max_rounds && r + 1 >= max_rounds) {
            print_status();
            kprintf("kemari-guest: done after %lu rounds", (unsigned long)(r + 1));
            guest_exit(0);
        }
    }
}
