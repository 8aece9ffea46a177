/* Ethernet input dispatch and ARP (we only answer requests for our own address). */
#include "abi.h"
#include "net.h"
#include "util.h"

#define ARP_HTYPE_ETHERNET 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ARP_LEN 28

static const u8 broadcast_mac[ETH_ALEN] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

static void arp_input(const u8 *src_mac, const u8 *arp, u16 len)
{
    (void)src_mac;
    if (len < ARP_LEN || get_be16(arp) != ARP_HTYPE_ETHERNET ||
        get_be16(arp + 2) != ETHERTYPE_IPV4 || arp[4] != ETH_ALEN || arp[5] != 4 ||
        get_be16(arp + 6) != ARP_OP_REQUEST)
        return;
    const u8 *sha = arp + 8, *spa = arp + 14, *tpa = arp + 24;
    if (memcmp(tpa, &netif.ip, 4) != 0)
        return;

    struct net_txbuf tb;
    net_tx_get(&tb);
    u8 *r = eth_tx_begin(&tb, sha, ETHERTYPE_ARP);
    put_be16(r, ARP_HTYPE_ETHERNET);
    put_be16(r + 2, ETHERTYPE_IPV4);
    r[4] = ETH_ALEN;
    r[5] = 4;
    put_be16(r + 6, ARP_OP_REPLY);
    memcpy(r + 8, netif.mac, ETH_ALEN);
    memcpy(r + 14, &netif.ip, 4);
    memcpy(r + 18, sha, ETH_ALEN);
    memcpy(r + 24, spa, 4);
    net_tx_put(&tb, ETH_HLEN + ARP_LEN);
}

void eth_input(const u8 *frame, u16 len)
{
    if (len < ETH_HLEN)
        return;
    const u8 *dst = frame, *src = frame + 6;
    if (memcmp(dst, netif.mac, ETH_ALEN) != 0 && memcmp(dst, broadcast_mac, ETH_ALEN) != 0)
        return;
    const u8 *payload = frame + ETH_HLEN;
    u16 payload_len = (u16)(len - ETH_HLEN);
    switch (get_be16(frame + 12)) {
    case ETHERTYPE_ARP:
        arp_input(src, payload, payload_len);
        break;
    case ETHERTYPE_IPV4:
        ipv4_input(src, payload, payload_len);
        break;
    default:
        break; /* IPv6, VLANs, ...: dropped */
    }
}

u8 *eth_tx_begin(struct net_txbuf *tb, const u8 *dst_mac, u16 ethertype)
{
    memcpy(tb->frame, dst_mac, ETH_ALEN);
    memcpy(tb->frame + 6, netif.mac, ETH_ALEN);
    put_be16(tb->frame + 12, ethertype);
    return tb->frame + ETH_HLEN;
}
