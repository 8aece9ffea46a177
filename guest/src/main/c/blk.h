/* virtio-blk: one request at a time, submitted and polled to completion. */
#ifndef KEMARI_BLK_H
#define KEMARI_BLK_H

#include "types.h"

#define BLK_BLOCK_SIZE 4096u
#define BLK_SECTORS_PER_BLOCK 8u

/* Finds and initialises the device (once; later calls do nothing); panics 0x201 if it is missing. */
void blk_init(void);
/* Capacity in 4 KiB blocks. */
u64 blk_blocks(void);
/* Writes/reads one 4 KiB block from/to a 4 KiB buffer; returns the virtio status (0 = OK). */
u8 blk_write(u64 block, const void *buf);
u8 blk_read(u64 block, void *buf);

#endif
