/* The ABI's workloads: each has a set-up step and one step per main-loop round. */
#ifndef KEMARI_WORKLOADS_H
#define KEMARI_WORKLOADS_H

#include "types.h"

void dirtier_init(void);
void dirtier_round(u64 round);

void disk_writer_init(void);
void disk_writer_round(void);

/* Fills `block` with the ABI's pattern for write number s to block b (exposed for clarity). */
void disk_fill_block(u8 *block, u64 s, u64 b);

/* KV_SERVER (kv.c): the TCP key-value service; its log region's first block (needs blk_init). */
void kv_init(void);
u64 kv_log_region_start(void);

#endif
