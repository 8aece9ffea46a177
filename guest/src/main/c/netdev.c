/* virtio-net: receiveq 0 and transmitq 1, one 2 KiB buffer per descriptor, polled. */
#include "abi.h"
#include "heap.h"
#include "io.h"
#include "net.h"
#include "util.h"
#include "virtio.h"

/* VERSION_1 header: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers. */
#define VNET_HDR_LEN 12
#define NET_BUF_SIZE 2048 /* >= VNET_HDR_LEN + ETH_HLEN + ETH_MTU */

struct netif netif;

static struct virtio_dev dev;
static struct virtq rxq, txq;
static u8 *rx_bufs, *tx_bufs;
static u16 tx_free[VQ_MAX_SIZE];
static u16 tx_free_count;
static int tx_pending; /* frames queued since the last transmit notification */

void net_init(void)
{
    const volatile struct kemari_boot_info *bi = BOOT_INFO;
    for (int i = 0; i < ETH_ALEN; i++)
        netif.mac[i] = bi->mac[i];
    netif.ip = bi->ipv4;

    if (!virtio_find(VIRTIO_ID_NET, &dev)) {
        kprintf("kemari-guest: NET_RESPONDER selected but no virtio-net device");
        guest_panic(PANIC_VIRTIO_DEVICE, VIRTIO_NO_SLOT);
    }
    virtio_begin(&dev);
    virtio_queue_init(&dev, &rxq, 0);
    virtio_queue_init(&dev, &txq, 1);

    rx_bufs = heap_alloc((u64)rxq.size * NET_BUF_SIZE, 4096);
    tx_bufs = heap_alloc((u64)txq.size * NET_BUF_SIZE, 4096);
    /* Every receive buffer is posted up front; descriptor i always owns buffer i. */
    for (u16 i = 0; i < rxq.size; i++) {
        rxq.desc[i].addr = (u64)(rx_bufs + (u64)i * NET_BUF_SIZE);
        rxq.desc[i].len = NET_BUF_SIZE;
        rxq.desc[i].flags = VIRTQ_DESC_F_WRITE;
        rxq.desc[i].next = 0;
        virtq_push(&rxq, i);
    }
    /* Transmit headers are all-zero (no offloads); only the frame after them changes. */
    memset(tx_bufs, 0, (u64)txq.size * NET_BUF_SIZE);
    for (u16 i = 0; i < txq.size; i++) {
        txq.desc[i].addr = (u64)(tx_bufs + (u64)i * NET_BUF_SIZE);
        txq.desc[i].flags = 0;
        txq.desc[i].next = 0;
        tx_free[i] = (u16)(txq.size - 1 - i);
    }
    tx_free_count = txq.size;
    tx_pending = 0;

    virtio_finish(&dev);
    virtq_notify(&rxq, 1); /* notifications are only allowed after DRIVER_OK */

    u32 ip = ntohl(netif.ip);
    kprintf("kemari-guest: virtio-net at slot %u, queues %u/%u, mac %02x:%02x:%02x:%02x:%02x:%02x"
            " ip %u.%u.%u.%u",
            dev.slot, rxq.size, txq.size, netif.mac[0], netif.mac[1], netif.mac[2], netif.mac[3],
            netif.mac[4], netif.mac[5], ip >> 24, (ip >> 16) & 0xFF, (ip >> 8) & 0xFF, ip & 0xFF);
}

static void tx_reclaim(void)
{
    struct virtq_used_elem e;
    while (virtq_pop(&txq, &e)) {
        if (e.id < txq.size && tx_free_count < txq.size)
            tx_free[tx_free_count++] = (u16)e.id;
    }
}

void net_tx_flush(void)
{
    if (tx_pending) {
        virtq_notify(&txq, 1);
        tx_pending = 0;
    }
}

void net_tx_get(struct net_txbuf *tb)
{
    tx_reclaim();
    while (tx_free_count == 0) {
        net_tx_flush();
        tx_reclaim();
        if (tx_free_count == 0)
            guest_wait(1000);
    }
    u16 d = tx_free[--tx_free_count];
    tb->desc = d;
    tb->frame = tx_bufs + (u64)d * NET_BUF_SIZE + VNET_HDR_LEN;
}

void net_tx_put(struct net_txbuf *tb, u16 frame_len)
{
    if (frame_len < ETH_MIN_FRAME) {
        memset(tb->frame + frame_len, 0, ETH_MIN_FRAME - frame_len);
        frame_len = ETH_MIN_FRAME;
    }
    txq.desc[tb->desc].len = VNET_HDR_LEN + frame_len;
    virtq_push(&txq, tb->desc);
    tx_pending = 1;
    STATUS->net_tx_frames++;
}

u32 net_poll(void)
{
    struct virtq_used_elem e;
    u32 n = 0;
    /* At most one queue's worth per call, so a flood cannot starve the other workloads. */
    while (n < rxq.size && virtq_pop(&rxq, &e)) {
        n++;
        STATUS->net_rx_frames++;
        if (e.id < rxq.size && e.len >= VNET_HDR_LEN + ETH_HLEN && e.len <= NET_BUF_SIZE) {
            const u8 *frame = rx_bufs + (u64)e.id * NET_BUF_SIZE + VNET_HDR_LEN;
            eth_input(frame, (u16)(e.len - VNET_HDR_LEN));
        }
        if (e.id < rxq.size)
            virtq_push(&rxq, (u16)e.id); /* the buffer goes straight back to the device */
    }
    if (n > 0)
        virtq_notify(&rxq, 0);
    net_tx_flush();
    tx_reclaim();
    return n;
}
