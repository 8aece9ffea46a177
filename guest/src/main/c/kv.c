/*
 * KV_SERVER: an append-only key-value store over TCP with a line protocol
 * (docs/specs/guest-abi.md):
 *   PUT <key> <value>\n -> OK <seq>\n     after the record is on disk (virtio-blk write completed)
 *   GET <key>\n         -> VALUE <value>\n or NONE\n
 *   STATS\n             -> STATS puts=.. gets=.. keys=.. log=used/capacity conns=.. errors=..\n
 *   QUIT\n              -> BYE\n, then the server closes the connection
 * anything else         -> ERR <reason>\n
 * Every line gets exactly one reply, in order. The index lives in guest RAM (replicated with it),
 * so it is never rebuilt from the log; a fresh boot starts an empty log at seq 0.
 */
#include "abi.h"
#include "blk.h"
#include "heap.h"
#include "io.h"
#include "tcp.h"
#include "util.h"
#include "workloads.h"

#define KV_DEFAULT_PORT 9000
#define KV_KEY_MAX 64
#define KV_VALUE_MAX 256
#define KV_LINE_MAX 400  /* including the newline; longer lines get ERR line too long */
#define KV_REPLY_MAX 320 /* the longest reply ("VALUE " + 256 + "\n", or STATS) */
#define KV_INDEX_SLOTS 1024
#define KV_MAX_KEYS 768 /* open addressing stays at most 3/4 full */

/* Log record: one 512-byte slot, 8 per 4 KiB block; record seq s is in block
   log_start + s / 8 at offset (s % 8) * 512. */
#define KV_SLOT_SIZE 512
#define KV_SLOTS_PER_BLOCK (BLK_BLOCK_SIZE / KV_SLOT_SIZE)

struct kv_entry {
    u8 used;
    u8 klen;
    u16 vlen;
    u32 reserved;
    u64 seq;
    u8 key[KV_KEY_MAX];
    u8 value[KV_VALUE_MAX];
};

struct kv_conn {
    u8 discarding; /* inside a too-long line: drop bytes up to its newline */
    u8 quitting;   /* QUIT answered or the peer closed: ignore further input */
};

static struct kv_entry *kv_index;
static u32 key_count;
static u64 log_start, log_blocks, log_capacity, log_next;
static u8 *tail; /* RAM copy of the log block that holds record log_next */
static u64 gets, errors;
static struct kv_conn kconns[TCP_MAX_CONNS];

static const char record_magic[8] = {'K', 'M', 'K', 'V', 'R', 'E', 'C', '1'}; /* u64 0x31434552564B4D4B */

u64 kv_log_region_start(void)
{
    const volatile struct kemari_boot_info *bi = BOOT_INFO;
    u64 cap = blk_blocks();
    if (bi->kv_log_blocks == 0)
        return cap / 2;
    return bi->kv_log_start;
}

/* ---- the index ---- */

static struct kv_entry *lookup(const u8 *key, u32 klen, int *found)
{
    u32 h = (u32)fnv1a64(key, klen) % KV_INDEX_SLOTS;
    for (u32 i = 0; i < KV_INDEX_SLOTS; i++) {
        struct kv_entry *e = &kv_index[(h + i) % KV_INDEX_SLOTS];
        if (!e->used) {
            *found = 0;
            return e;
        }
        if (e->klen == klen && memcmp(e->key, key, klen) == 0) {
            *found = 1;
            return e;
        }
    }
    *found = 0;
    return 0; /* cannot happen below KV_MAX_KEYS */
}

/* ---- replies ---- */

struct reply {
    char buf[KV_REPLY_MAX];
    u32 len;
};

static void put_str(struct reply *r, const char *s)
{
    while (*s && r->len < KV_REPLY_MAX)
        r->buf[r->len++] = *s++;
}

static void put_bytes(struct reply *r, const u8 *p, u32 n)
{
    for (u32 i = 0; i < n && r->len < KV_REPLY_MAX; i++)
        r->buf[r->len++] = (char)p[i];
}

static void put_dec(struct reply *r, u64 v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n > 0 && r->len < KV_REPLY_MAX)
        r->buf[r->len++] = tmp[--n];
}

static void err(struct reply *r, const char *why)
{
    put_str(r, "ERR ");
    put_str(r, why);
    errors++;
    STATUS->kv_errors = errors;
}

/* ---- commands ---- */

static int valid_key(const u8 *k, u32 n)
{
    if (n == 0 || n > KV_KEY_MAX)
        return 0;
    for (u32 i = 0; i < n; i++) {
        if (k[i] <= 0x20 || k[i] >= 0x7F)
            return 0;
    }
    return 1;
}

static int valid_value(const u8 *v, u32 n)
{
    if (n == 0 || n > KV_VALUE_MAX)
        return 0;
    for (u32 i = 0; i < n; i++) {
        if (v[i] < 0x20 || v[i] >= 0x7F)
            return 0;
    }
    return 1;
}

/* Appends the record to the log and waits for the device: returns the virtio status. */
static u8 log_append(const u8 *key, u32 klen, const u8 *value, u32 vlen, u64 seq)
{
    u32 slot = (u32)(seq % KV_SLOTS_PER_BLOCK);
    if (slot == 0)
        memset(tail, 0, BLK_BLOCK_SIZE); /* a new block: later slots stay zero until used */
    u8 *r = tail + slot * KV_SLOT_SIZE;
    memset(r, 0, KV_SLOT_SIZE);
    memcpy(r, record_magic, 8);
    memcpy(r + 8, &seq, 8);
    u16 kl = (u16)klen, vl = (u16)vlen;
    memcpy(r + 16, &kl, 2);
    memcpy(r + 18, &vl, 2);
    memcpy(r + 24, key, klen);
    memcpy(r + 24 + klen, value, vlen);
    u64 sum = fnv1a64(r, KV_SLOT_SIZE - 8);
    memcpy(r + KV_SLOT_SIZE - 8, &sum, 8);
    u8 st = blk_write(log_start + seq / KV_SLOTS_PER_BLOCK, tail);
    if (st != 0)
        memset(r, 0, KV_SLOT_SIZE); /* not acknowledged: the next PUT reuses the slot */
    return st;
}

static void cmd_put(struct reply *r, const u8 *args, u32 n)
{
    u32 k = 0;
    while (k < n && args[k] != ' ')
        k++;
    if (k == n) {
        err(r, "usage: PUT <key> <value>");
        return;
    }
    const u8 *value = args + k + 1;
    u32 vlen = n - k - 1;
    if (!valid_key(args, k)) {
        err(r, "bad key");
        return;
    }
    if (!valid_value(value, vlen)) {
        err(r, "bad value");
        return;
    }
    int found;
    struct kv_entry *e = lookup(args, k, &found);
    if (!found && key_count >= KV_MAX_KEYS) {
        err(r, "index full");
        return;
    }
    if (log_next >= log_capacity) {
        err(r, "log full");
        return;
    }
    u64 seq = log_next;
    u8 st = log_append(args, k, value, vlen, seq);
    if (st != 0) {
        kprintf("kemari-guest: kv log write of record %lu failed, status %u", (unsigned long)seq, st);
        err(r, "disk");
        return;
    }
    /* On disk: now it may be acknowledged (and the reply is released only with the state that
       contains this index update, under protection). */
    log_next = seq + 1;
    if (!found) {
        e->used = 1;
        e->klen = (u8)k;
        memcpy(e->key, args, k);
        key_count++;
    }
    e->vlen = (u16)vlen;
    e->seq = seq;
    memcpy(e->value, value, vlen);
    STATUS->kv_puts = log_next;
    put_str(r, "OK ");
    put_dec(r, seq);
}

static void cmd_get(struct reply *r, const u8 *key, u32 n)
{
    if (!valid_key(key, n)) {
        err(r, "bad key");
        return;
    }
    gets++;
    STATUS->kv_gets = gets;
    int found;
    struct kv_entry *e = lookup(key, n, &found);
    if (!found) {
        put_str(r, "NONE");
        return;
    }
    put_str(r, "VALUE ");
    put_bytes(r, e->value, e->vlen);
}

static void cmd_stats(struct reply *r)
{
    put_str(r, "STATS puts=");
    put_dec(r, log_next);
    put_str(r, " gets=");
    put_dec(r, gets);
    put_str(r, " keys=");
    put_dec(r, key_count);
    put_str(r, " log=");
    put_dec(r, log_next);
    put_str(r, "/");
    put_dec(r, log_capacity);
    put_str(r, " conns=");
    put_dec(r, tcp_active_connections());
    put_str(r, " errors=");
    put_dec(r, errors);
}

static int word_is(const u8 *line, u32 n, const char *w)
{
    u32 i = 0;
    for (; w[i]; i++) {
        if (i >= n || line[i] != (u8)w[i])
            return 0;
    }
    return i == n || line[i] == ' ';
}

/* One request line (without its newline); returns 1 for QUIT. */
static int handle_line(u32 id, const u8 *line, u32 n)
{
    struct reply r;
    r.len = 0;
    int quit = 0;
    if (n > 0 && line[n - 1] == '\r')
        n--;
    if (n == 0)
        err(&r, "empty line");
    else if (word_is(line, n, "PUT"))
        n > 4 ? cmd_put(&r, line + 4, n - 4) : err(&r, "usage: PUT <key> <value>");
    else if (word_is(line, n, "GET"))
        n > 4 ? cmd_get(&r, line + 4, n - 4) : err(&r, "usage: GET <key>");
    else if (word_is(line, n, "STATS") && n == 5)
        cmd_stats(&r);
    else if (word_is(line, n, "QUIT") && n == 4) {
        put_str(&r, "BYE");
        quit = 1;
    } else
        err(&r, "unknown command");
    put_str(&r, "\n");
    tcp_send(id, r.buf, r.len);
    return quit;
}

/* ---- TCP callbacks ---- */

static void kv_established(u32 id)
{
    kconns[id].discarding = 0;
    kconns[id].quitting = 0;
}

/* Answers every complete line while the send buffer has room for a reply; pipelined requests
   are answered in order. */
static void kv_ready(u32 id)
{
    struct kv_conn *k = &kconns[id];
    int blocked = 0;
    for (;;) {
        u32 n;
        const u8 *d = tcp_rx_data(id, &n);
        if (k->quitting) {
            tcp_rx_consume(id, n);
            return;
        }
        if (n == 0)
            break;
        u32 i = 0;
        while (i < n && d[i] != '\n')
            i++;
        if (k->discarding) {
            tcp_rx_consume(id, i < n ? i + 1 : n);
            if (i < n)
                k->discarding = 0;
            continue;
        }
        if (i == n && n < KV_LINE_MAX)
            break; /* an incomplete line: wait for more */
        if (tcp_tx_space(id) < KV_REPLY_MAX) {
            blocked = 1; /* answered when the client acknowledges earlier replies */
            break;
        }
        if (i + 1 > KV_LINE_MAX) {
            struct reply r;
            r.len = 0;
            err(&r, "line too long");
            put_str(&r, "\n");
            tcp_send(id, r.buf, r.len);
            if (i == n)
                k->discarding = 1;
            tcp_rx_consume(id, i < n ? i + 1 : n);
            continue;
        }
        int quit = handle_line(id, d, i);
        tcp_rx_consume(id, i + 1);
        if (quit) {
            k->quitting = 1;
            tcp_shutdown(id);
        }
    }
    if (!blocked && tcp_rx_eof(id) && !k->quitting) {
        /* The client is done sending; a trailing partial line gets no reply. Close our side
           after the replies. */
        u32 n;
        tcp_rx_data(id, &n);
        tcp_rx_consume(id, n);
        k->quitting = 1;
        tcp_shutdown(id);
    }
}

static void kv_closed(u32 id)
{
    kconns[id].discarding = 0;
    kconns[id].quitting = 0;
}

static const struct tcp_service kv_service = {
    .established = kv_established,
    .ready = kv_ready,
    .closed = kv_closed,
};

void kv_init(void)
{
    const volatile struct kemari_boot_info *bi = BOOT_INFO;
    blk_init();
    u64 cap = blk_blocks();
    log_start = kv_log_region_start();
    log_blocks = bi->kv_log_blocks ? bi->kv_log_blocks : cap - cap / 2;
    if (log_blocks == 0 || log_start >= cap || log_blocks > cap - log_start) {
        kprintf("kemari-guest: KV log region %lu+%lu blocks does not fit the disk (%lu blocks)",
                (unsigned long)log_start, (unsigned long)log_blocks, (unsigned long)cap);
        guest_panic(PANIC_BAD_CONFIG, log_start + log_blocks);
    }
    log_capacity = log_blocks * KV_SLOTS_PER_BLOCK;
    log_next = 0;
    key_count = 0;
    gets = errors = 0;

    kv_index = heap_alloc(KV_INDEX_SLOTS * sizeof(struct kv_entry), 4096);
    memset(kv_index, 0, KV_INDEX_SLOTS * sizeof(struct kv_entry));
    tail = heap_alloc(BLK_BLOCK_SIZE, 4096);
    memset(tail, 0, BLK_BLOCK_SIZE);
    tcp_init();
    if (bi->kv_port > 0xFFFF) {
        kprintf("kemari-guest: kv_port %u is not a TCP port", bi->kv_port);
        guest_panic(PANIC_BAD_CONFIG, bi->kv_port);
    }
    u16 port = bi->kv_port ? (u16)bi->kv_port : KV_DEFAULT_PORT;
    tcp_listen(port, &kv_service);

    STATUS->kv_log_start = log_start;
    STATUS->kv_log_blocks = log_blocks;
    kprintf("kemari-guest: kv server on tcp port %u, log blocks %lu..%lu (%lu records)", port,
            (unsigned long)log_start, (unsigned long)(log_start + log_blocks - 1),
            (unsigned long)log_capacity);
}
