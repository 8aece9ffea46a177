/* DISK_WRITER: one verifiable 4 KiB block write per round, logged after it is acknowledged. */
#include "abi.h"
#include "blk.h"
#include "heap.h"
#include "io.h"
#include "util.h"
#include "workloads.h"

#define BLOCK_MAGIC 0x314B434F4C424D4Bull /* "KMBLOCK1" */
#define WRITE_LOG_CAPACITY 4096           /* entries of {u64 s, u64 block}: 64 KiB */
#define LCG_MUL 6364136223846793005ull
#define LCG_INC 1442695040888963407ull

struct write_log_entry {
    u64 s;
    u64 block;
};

static struct write_log_entry *write_log;
static u8 *wbuf, *rbuf;
static u64 nblocks;
static int random_mode;
/* The LCG state after write s-1 (x_s); lives in guest RAM, so snapshots carry it. */
static u64 lcg_x;

void disk_writer_init(void)
{
    const volatile struct kemari_boot_info *bi = BOOT_INFO;
    blk_init();
    u64 cap = blk_blocks();
    /* With KV_SERVER the writer stays below the KV log region (which must then start above). */
    if (bi->workloads & WL_KV_SERVER)
        cap = kv_log_region_start();
    nblocks = bi->disk_blocks ? bi->disk_blocks : cap;
    if (nblocks == 0 || nblocks > cap) {
        kprintf("kemari-guest: disk_blocks %u does not fit the disk (%lu blocks%s)", bi->disk_blocks,
                (unsigned long)cap, (bi->workloads & WL_KV_SERVER) ? " below the KV log" : "");
        guest_panic(PANIC_BAD_CONFIG, nblocks);
    }
    random_mode = bi->disk_mode == 1;
    lcg_x = bi->disk_seed;

    write_log = heap_alloc(WRITE_LOG_CAPACITY * sizeof(struct write_log_entry), 4096);
    memset(write_log, 0, WRITE_LOG_CAPACITY * sizeof(struct write_log_entry));
    wbuf = heap_alloc(BLK_BLOCK_SIZE, 4096);
    rbuf = heap_alloc(BLK_BLOCK_SIZE, 4096);
    STATUS->write_log_capacity = WRITE_LOG_CAPACITY;
    STATUS->write_log_addr = (u64)write_log;
    kprintf("kemari-guest: disk writer: %s over %lu blocks, write log at 0x%lx (%u entries)",
            random_mode ? "random" : "sequential", (unsigned long)nblocks,
            (unsigned long)write_log, WRITE_LOG_CAPACITY);
}

void disk_fill_block(u8 *block, u64 s, u64 b)
{
    u64 *w = (u64 *)block;
    w[0] = BLOCK_MAGIC;
    w[1] = s;
    w[2] = b;
    u8 base = (u8)(s * 31);
    for (u32 i = 24; i < 4088; i++)
        block[i] = (u8)(base + i);
    u64 sum = fnv1a64(block, 4088);
    memcpy(block + 4088, &sum, 8);
}

void disk_writer_round(void)
{
    u64 s = STATUS->disk_writes_submitted;
    u64 b;
    if (random_mode) {
        /* b(s) = (x_{s+1} >> 33) mod N with x_0 = seed: the first write already steps once. */
        lcg_x = lcg_x * LCG_MUL + LCG_INC;
        b = (lcg_x >> 33) % nblocks;
    } else {
        b = s % nblocks;
    }
    disk_fill_block(wbuf, s, b);

    STATUS->disk_writes_submitted = s + 1;
    u8 st = blk_write(b, wbuf);
    if (st != 0) {
        kprintf("kemari-guest: write %lu to block %lu failed, status %u", (unsigned long)s,
                (unsigned long)b, st);
        guest_panic(PANIC_BLK_REQUEST, st);
    }
    /* Read it back: catches a device that acknowledges but does not store. */
    st = blk_read(b, rbuf);
    if (st != 0) {
        kprintf("kemari-guest: read-back of block %lu failed, status %u", (unsigned long)b, st);
        guest_panic(PANIC_BLK_REQUEST, st);
    }
    if (memcmp(wbuf, rbuf, BLK_BLOCK_SIZE) != 0) {
        kprintf("kemari-guest: block %lu read back differs from write %lu", (unsigned long)b,
                (unsigned long)s);
        guest_panic(PANIC_DISK_MISMATCH, b);
    }
    struct write_log_entry *e = &write_log[s % WRITE_LOG_CAPACITY];
    e->s = s;
    e->block = b;
    barrier(); /* the log entry is complete before the counter says so */
    STATUS->disk_writes_acked = s + 1;
}
