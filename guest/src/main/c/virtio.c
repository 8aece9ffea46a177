/* virtio-mmio v2 driver core. Every register access from ring 3 is an MMIO exit (~25 us on
   kvm-pvm), so the set-up touches each register once and the data path only writes
   QueueNotify. */
#include "abi.h"
#include "heap.h"
#include "io.h"
#include "util.h"
#include "virtio.h"

#define REG_MAGIC 0x000
#define REG_VERSION 0x004
#define REG_DEVICE_ID 0x008
#define REG_DEVICE_FEATURES 0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES 0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL 0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM 0x038
#define REG_QUEUE_READY 0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_STATUS 0x070
#define REG_QUEUE_DESC_LOW 0x080
#define REG_QUEUE_DESC_HIGH 0x084
#define REG_QUEUE_DRIVER_LOW 0x090
#define REG_QUEUE_DRIVER_HIGH 0x094
#define REG_QUEUE_DEVICE_LOW 0x0a0
#define REG_QUEUE_DEVICE_HIGH 0x0a4
#define REG_CONFIG_GENERATION 0x0fc
#define REG_CONFIG 0x100

#define VIRTIO_MAGIC 0x74726976u
#define STATUS_ACKNOWLEDGE 1u
#define STATUS_DRIVER 2u
#define STATUS_DRIVER_OK 4u
#define STATUS_FEATURES_OK 8u
#define STATUS_FAILED 128u

/* VIRTIO_F_VERSION_1 is feature bit 32, i.e. bit 0 of feature word 1. */
#define F_VERSION_1_WORD1 1u

static u32 rd(struct virtio_dev *dev, u32 reg)
{
    return mmio_read32(dev->mmio + reg);
}

static void wr(struct virtio_dev *dev, u32 reg, u32 value)
{
    mmio_write32(dev->mmio + reg, value);
}

int virtio_find(u32 device_id, struct virtio_dev *out)
{
    for (u32 slot = 0; slot < VIRTIO_MMIO_SLOTS; slot++) {
        u64 base = VIRTIO_MMIO_BASE + slot * VIRTIO_MMIO_SLOT_SIZE;
        if (mmio_read32(base + REG_MAGIC) != VIRTIO_MAGIC)
            continue;
        u32 id = mmio_read32(base + REG_DEVICE_ID);
        if (id != device_id)
            continue;
        out->mmio = base;
        out->slot = slot;
        out->device_id = id;
        if (mmio_read32(base + REG_VERSION) != 2) {
            kprintf("kemari-guest: virtio slot %u: not virtio-mmio version 2", slot);
            guest_panic(PANIC_VIRTIO_DEVICE, slot);
        }
        return 1;
    }
    return 0;
}

static __attribute__((noreturn)) void refuse(struct virtio_dev *dev, const char *why)
{
    wr(dev, REG_STATUS, STATUS_FAILED);
    kprintf("kemari-guest: virtio slot %u (device %u): %s", dev->slot, dev->device_id, why);
    guest_panic(PANIC_VIRTIO_DEVICE, dev->slot);
}

void virtio_begin(struct virtio_dev *dev)
{
    wr(dev, REG_STATUS, 0); /* reset */
    wr(dev, REG_STATUS, STATUS_ACKNOWLEDGE);
    wr(dev, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);

    wr(dev, REG_DEVICE_FEATURES_SEL, 1);
    u32 hi = rd(dev, REG_DEVICE_FEATURES);
    if (!(hi & F_VERSION_1_WORD1))
        refuse(dev, "VIRTIO_F_VERSION_1 not offered");

    /* Accept VERSION_1 and nothing else (ABI): word 0 = 0, word 1 = VERSION_1. */
    wr(dev, REG_DRIVER_FEATURES_SEL, 0);
    wr(dev, REG_DRIVER_FEATURES, 0);
    wr(dev, REG_DRIVER_FEATURES_SEL, 1);
    wr(dev, REG_DRIVER_FEATURES, F_VERSION_1_WORD1);

    wr(dev, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    if (!(rd(dev, REG_STATUS) & STATUS_FEATURES_OK))
        refuse(dev, "FEATURES_OK not accepted");
}

void virtio_queue_init(struct virtio_dev *dev, struct virtq *vq, u16 index)
{
    wr(dev, REG_QUEUE_SEL, index);
    u32 max = rd(dev, REG_QUEUE_NUM_MAX);
    if (max == 0)
        refuse(dev, "queue not available");
    u16 size = (u16)(max < VQ_MAX_SIZE ? max : VQ_MAX_SIZE);

    /* One page each for the descriptor table (16 * 64 B), avail ring and used ring. */
    u8 *pages = heap_alloc(3 * 4096, 4096);
    memset(pages, 0, 3 * 4096);
    vq->mmio = dev->mmio;
    vq->index = index;
    vq->size = size;
    vq->last_used = 0;
    vq->desc = (volatile struct virtq_desc *)pages;
    vq->avail = (volatile u16 *)(pages + 4096);
    vq->used_hdr = (volatile u16 *)(pages + 8192);
    vq->used_ring = (volatile struct virtq_used_elem *)(pages + 8192 + 4);
    /* We poll the used ring: ask the device not to interrupt. */
    vq->avail[0] = VIRTQ_AVAIL_F_NO_INTERRUPT;

    u64 desc = (u64)pages, avail = desc + 4096, used = desc + 8192;
    wr(dev, REG_QUEUE_NUM, size);
    wr(dev, REG_QUEUE_DESC_LOW, (u32)desc);
    wr(dev, REG_QUEUE_DESC_HIGH, (u32)(desc >> 32));
    wr(dev, REG_QUEUE_DRIVER_LOW, (u32)avail);
    wr(dev, REG_QUEUE_DRIVER_HIGH, (u32)(avail >> 32));
    wr(dev, REG_QUEUE_DEVICE_LOW, (u32)used);
    wr(dev, REG_QUEUE_DEVICE_HIGH, (u32)(used >> 32));
    wr(dev, REG_QUEUE_READY, 1);
}

void virtio_finish(struct virtio_dev *dev)
{
    wr(dev, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
}

u32 virtio_config_read32(struct virtio_dev *dev, u32 offset)
{
    return rd(dev, REG_CONFIG + offset);
}

u64 virtio_config_read64(struct virtio_dev *dev, u32 offset)
{
    /* A 64-bit field is two 32-bit reads; retry if the device changed it in between. */
    for (;;) {
        u32 gen = rd(dev, REG_CONFIG_GENERATION);
        u64 lo = rd(dev, REG_CONFIG + offset);
        u64 hi = rd(dev, REG_CONFIG + offset + 4);
        if (rd(dev, REG_CONFIG_GENERATION) == gen)
            return lo | hi << 32;
    }
}

void virtq_push(struct virtq *vq, u16 head)
{
    u16 idx = vq->avail[1];
    vq->avail[2 + idx % vq->size] = head;
    barrier(); /* descriptor and ring entry before the index (x86 keeps stores ordered) */
    vq->avail[1] = (u16)(idx + 1);
}

void virtq_notify(struct virtq *vq, int force)
{
    barrier();
    if (force || !(vq->used_hdr[0] & VIRTQ_USED_F_NO_NOTIFY))
        mmio_write32(vq->mmio + REG_QUEUE_NOTIFY, vq->index);
}

int virtq_pop(struct virtq *vq, struct virtq_used_elem *out)
{
    if (vq->used_hdr[1] == vq->last_used)
        return 0;
    barrier(); /* read the index before the element it covers */
    volatile struct virtq_used_elem *e = &vq->used_ring[vq->last_used % vq->size];
    out->id = e->id;
    out->len = e->len;
    vq->last_used++;
    return 1;
}
