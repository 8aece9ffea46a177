/* virtio-mmio version 2 transport and split virtqueues, polled (no interrupts). */
#ifndef KEMARI_VIRTIO_H
#define KEMARI_VIRTIO_H

#include "types.h"

#define VIRTIO_MMIO_BASE 0xFE000000ul
#define VIRTIO_MMIO_SLOT_SIZE 0x1000ul
#define VIRTIO_MMIO_SLOTS 8
#define VIRTIO_NO_SLOT 0xFFFFFFFFu /* panic_error when a needed device is absent */

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLK 2

/* The guest never uses more descriptors than this per queue (ABI: min(QueueNumMax, 64)). */
#define VQ_MAX_SIZE 64

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq_desc {
    u64 addr;
    u32 len;
    u16 flags;
    u16 next;
};

struct virtq_used_elem {
    u32 id;
    u32 len;
};

/* The driver's view of one split virtqueue. Each ring gets its own page. */
struct virtq {
    u64 mmio;                        /* device base */
    u16 index;                       /* queue number */
    u16 size;                        /* negotiated queue size */
    u16 last_used;                   /* next used-ring entry the driver has not consumed */
    volatile struct virtq_desc *desc;
    volatile u16 *avail;             /* flags, idx, ring[size], used_event */
    volatile u16 *used_hdr;          /* flags, idx */
    volatile struct virtq_used_elem *used_ring;
};

struct virtio_dev {
    u64 mmio;
    u32 slot;
    u32 device_id;
};

/* Finds the first device of this type; returns 0 if there is none. */
int virtio_find(u32 device_id, struct virtio_dev *out);

/* Resets the device and negotiates VERSION_1 only (panics 0x201 if refused). */
void virtio_begin(struct virtio_dev *dev);
/* Sets up queue `index` using three zeroed pages taken from the heap. */
void virtio_queue_init(struct virtio_dev *dev, struct virtq *vq, u16 index);
/* DRIVER_OK: the device is live. */
void virtio_finish(struct virtio_dev *dev);

u32 virtio_config_read32(struct virtio_dev *dev, u32 offset);
u64 virtio_config_read64(struct virtio_dev *dev, u32 offset);

/* Publishes descriptor chain `head` in the avail ring (no notification). */
void virtq_push(struct virtq *vq, u16 head);
/* Tells the device about new buffers (one MMIO exit), unless it asked not to be told. */
void virtq_notify(struct virtq *vq, int force);
/* Pops one used element; returns 0 if the device has not returned anything new. */
int virtq_pop(struct virtq *vq, struct virtq_used_elem *out);

#endif
