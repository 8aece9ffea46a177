/* UDP input with a port dispatch table: port 7 is the echo service (RFC 862), port 8 the
   status service (the guest's progress counters, docs/specs/guest-abi.md). */
#include "abi.h"
#include "net.h"
#include "util.h"

#define UDP_HLEN 8
#define UDP_PORT_ECHO 7
#define UDP_PORT_STATUS 8

#define STATUS_MAGIC 0x3130544154534D4Bull /* "KMSTAT01" */
#define STATUS_NONCE_LEN 8
#define STATUS_REPLY_LEN (8 + 8 * 8 + STATUS_NONCE_LEN) /* 80 */

struct udp_rx {
    const struct ipv4_rx *ip;
    u16 src_port;
    u16 dst_port;
    const u8 *data;
    u16 data_len;
};

static void udp_send(const struct udp_rx *to, u16 src_port, const u8 *data, u16 len)
{
    struct net_txbuf tb;
    net_tx_get(&tb);
    u8 *u = ipv4_tx_begin(&tb, to->ip->src_mac, to->ip->src_ip, IP_PROTO_UDP);
    u16 ulen = (u16)(UDP_HLEN + len);
    put_be16(u, src_port);
    put_be16(u + 2, to->src_port);
    put_be16(u + 4, ulen);
    put_be16(u + 6, 0);
    memcpy(u + UDP_HLEN, data, len);
    u32 sum = inet_pseudo_sum(netif.ip, to->ip->src_ip, IP_PROTO_UDP, ulen);
    u16 csum = inet_fold(inet_sum(sum, u, ulen));
    put_be16(u + 6, csum == 0 ? 0xFFFF : csum); /* 0 would mean "no checksum" */
    ipv4_tx_send(&tb, ulen);
}

static void udp_echo(const struct udp_rx *rx)
{
    udp_send(rx, UDP_PORT_ECHO, rx->data, rx->data_len);
    STATUS->udp_echo_replies++;
}

static void put_le64(u8 *p, u64 v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (u8)(v >> (8 * i));
}

/* Reply: magic, eight counters as they are now, then the request's first 8 bytes (a client
   nonce, zero-filled if the request is shorter). */
static void udp_status(const struct udp_rx *rx)
{
    volatile struct kemari_status *st = STATUS;
    u8 reply[STATUS_REPLY_LEN];
    put_le64(reply, STATUS_MAGIC);
    put_le64(reply + 8, st->sequence);
    put_le64(reply + 16, st->rounds);
    put_le64(reply + 24, st->dirty_iterations);
    put_le64(reply + 32, st->disk_writes_submitted);
    put_le64(reply + 40, st->disk_writes_acked);
    put_le64(reply + 48, st->net_rx_frames);
    put_le64(reply + 56, st->net_tx_frames);
    put_le64(reply + 64, st->udp_echo_replies);
    memset(reply + 72, 0, STATUS_NONCE_LEN);
    memcpy(reply + 72, rx->data, rx->data_len < STATUS_NONCE_LEN ? rx->data_len : STATUS_NONCE_LEN);
    udp_send(rx, UDP_PORT_STATUS, reply, sizeof(reply));
    st->udp_status_replies++;
}

/* Port dispatch: add services here. */
static const struct {
    u16 port;
    void (*input)(const struct udp_rx *rx);
} udp_services[] = {
    {UDP_PORT_ECHO, udp_echo},
    {UDP_PORT_STATUS, udp_status},
};

void udp_input(const struct ipv4_rx *ip)
{
    const u8 *u = ip->payload;
    if (ip->payload_len < UDP_HLEN)
        return;
    u16 ulen = get_be16(u + 4);
    if (ulen < UDP_HLEN || ulen > ip->payload_len || ulen > ETH_MTU - IPV4_HLEN)
        return;
    if (get_be16(u + 6) != 0) {
        u32 sum = inet_pseudo_sum(ip->src_ip, ip->dst_ip, IP_PROTO_UDP, ulen);
        if (inet_fold(inet_sum(sum, u, ulen)) != 0)
            return; /* corrupted */
    }
    struct udp_rx rx = {
        .ip = ip,
        .src_port = get_be16(u),
        .dst_port = get_be16(u + 2),
        .data = u + UDP_HLEN,
        .data_len = (u16)(ulen - UDP_HLEN),
    };
    for (size_t i = 0; i < sizeof(udp_services) / sizeof(udp_services[0]); i++) {
        if (udp_services[i].port == rx.dst_port) {
            udp_services[i].input(&rx);
            return;
        }
    }
}
