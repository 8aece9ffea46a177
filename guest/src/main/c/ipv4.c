/* IPv4 input (validation, protocol dispatch) and output, plus the Internet checksum. */
#include "abi.h"
#include "net.h"
#include "util.h"

#define IP_DEFAULT_TTL 64
#define IP_FLAG_MF 0x2000
#define IP_OFFSET_MASK 0x1FFF

/* Protocol dispatch. tcp_input only sees segments when a service listens (KV_SERVER); without
   one it answers every segment with RST, as a host with all ports closed does. */
static const struct {
    u8 proto;
    void (*input)(const struct ipv4_rx *rx);
} ip_protocols[] = {
    {IP_PROTO_ICMP, icmp_input},
    {IP_PROTO_UDP, udp_input},
    {IP_PROTO_TCP, tcp_input},
};

u32 inet_sum(u32 sum, const u8 *data, u32 len)
{
    u32 i;
    for (i = 0; i + 1 < len; i += 2)
        sum += (u32)(data[i] << 8 | data[i + 1]);
    if (i < len)
        sum += (u32)data[i] << 8; /* odd length: pad with a zero byte */
    return sum;
}

u16 inet_fold(u32 sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (u16)~sum;
}

u32 inet_pseudo_sum(u32 src_ip, u32 dst_ip, u8 proto, u16 len)
{
    u32 sum = inet_sum(0, (const u8 *)&src_ip, 4);
    sum = inet_sum(sum, (const u8 *)&dst_ip, 4);
    return sum + proto + len;
}

void ipv4_input(const u8 *src_mac, const u8 *ip, u16 len)
{
    if (len < IPV4_HLEN || (ip[0] >> 4) != 4)
        return;
    u16 hlen = (u16)((ip[0] & 0x0F) * 4);
    u16 total = get_be16(ip + 2);
    /* The frame may carry Ethernet padding after the datagram: trust total, not len. */
    if (hlen < IPV4_HLEN || total < hlen || total > len)
        return;
    if (inet_fold(inet_sum(0, ip, hlen)) != 0)
        return; /* bad header checksum */
    if (get_be16(ip + 6) & (IP_FLAG_MF | IP_OFFSET_MASK))
        return; /* fragments are not reassembled */

    struct ipv4_rx rx;
    rx.src_mac = src_mac;
    memcpy(&rx.src_ip, ip + 12, 4);
    memcpy(&rx.dst_ip, ip + 16, 4);
    if (rx.dst_ip != netif.ip)
        return;
    rx.proto = ip[9];
    rx.payload = ip + hlen;
    rx.payload_len = (u16)(total - hlen);

    for (size_t i = 0; i < sizeof(ip_protocols) / sizeof(ip_protocols[0]); i++) {
        if (ip_protocols[i].proto == rx.proto) {
            ip_protocols[i].input(&rx);
            return;
        }
    }
}

u8 *ipv4_tx_begin(struct net_txbuf *tb, const u8 *dst_mac, u32 dst_ip, u8 proto)
{
    u8 *ip = eth_tx_begin(tb, dst_mac, ETHERTYPE_IPV4);
    ip[0] = 0x45; /* version 4, 20-byte header, no options */
    ip[1] = 0;
    put_be16(ip + 2, 0);    /* total length: ipv4_tx_send */
    put_be16(ip + 4, 0);    /* identification: unused, we never fragment (DF) */
    put_be16(ip + 6, 0x4000);
    ip[8] = IP_DEFAULT_TTL;
    ip[9] = proto;
    put_be16(ip + 10, 0);   /* checksum: ipv4_tx_send */
    memcpy(ip + 12, &netif.ip, 4);
    memcpy(ip + 16, &dst_ip, 4);
    return ip + IPV4_HLEN;
}

void ipv4_tx_send(struct net_txbuf *tb, u16 payload_len)
{
    u8 *ip = tb->frame + ETH_HLEN;
    put_be16(ip + 2, (u16)(IPV4_HLEN + payload_len));
    put_be16(ip + 10, inet_fold(inet_sum(0, ip, IPV4_HLEN)));
    net_tx_put(tb, (u16)(ETH_HLEN + IPV4_HLEN + payload_len));
}
