#include "abi.h"
#include "blk.h"
#include "heap.h"
#include "io.h"
#include "util.h"
#include "virtio.h"

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1

struct blk_req_hdr {
    u32 type;
    u32 reserved;
    u64 sector;
};

static struct virtio_dev dev;
static struct virtq vq;
static u64 capacity_blocks;
/* Header and status live in one heap page; the data is the caller's buffer. */
static volatile struct blk_req_hdr *req_hdr;
static volatile u8 *req_status;

static int ready;

void blk_init(void)
{
    if (ready)
        return; /* shared by DISK_WRITER and KV_SERVER */
    ready = 1;
    if (!virtio_find(VIRTIO_ID_BLK, &dev)) {
        kprintf("kemari-guest: DISK_WRITER or KV_SERVER selected but no virtio-blk device");
        guest_panic(PANIC_VIRTIO_DEVICE, VIRTIO_NO_SLOT);
    }
    virtio_begin(&dev);
    virtio_queue_init(&dev, &vq, 0);
    capacity_blocks = virtio_config_read64(&dev, 0) / BLK_SECTORS_PER_BLOCK;
    u8 *page = heap_alloc(4096, 4096);
    memset(page, 0, 4096);
    req_hdr = (volatile struct blk_req_hdr *)page;
    req_status = page + 64;
    virtio_finish(&dev);
    kprintf("kemari-guest: virtio-blk at slot %u, queue size %u, %lu blocks", dev.slot, vq.size,
            (unsigned long)capacity_blocks);
}

u64 blk_blocks(void)
{
    return capacity_blocks;
}

/* Three descriptors 0 -> 1 -> 2: header (read), data (read or write), status (write). */
static u8 blk_request(u32 type, u64 block, const void *buf)
{
    req_hdr->type = type;
    req_hdr->reserved = 0;
    req_hdr->sector = block * BLK_SECTORS_PER_BLOCK;
    *req_status = 0xFF; /* anything the device does not overwrite reads as a failure */

    vq.desc[0].addr = (u64)req_hdr;
    vq.desc[0].len = sizeof(struct blk_req_hdr);
    vq.desc[0].flags = VIRTQ_DESC_F_NEXT;
    vq.desc[0].next = 1;
    vq.desc[1].addr = (u64)buf;
    vq.desc[1].len = BLK_BLOCK_SIZE;
    vq.desc[1].flags = VIRTQ_DESC_F_NEXT | (type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0);
    vq.desc[1].next = 2;
    vq.desc[2].addr = (u64)req_status;
    vq.desc[2].len = 1;
    vq.desc[2].flags = VIRTQ_DESC_F_WRITE;
    vq.desc[2].next = 0;

    virtq_push(&vq, 0);
    virtq_notify(&vq, 1);

    /* The VMM completes the request during the notify exit; WAIT only if it did not. */
    struct virtq_used_elem e;
    while (!virtq_pop(&vq, &e))
        guest_wait(1000);
    barrier();
    return *req_status;
}

u8 blk_write(u64 block, const void *buf)
{
    return blk_request(VIRTIO_BLK_T_OUT, block, buf);
}

u8 blk_read(u64 block, void *buf)
{
    return blk_request(VIRTIO_BLK_T_IN, block, buf);
}
