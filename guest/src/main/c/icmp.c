/* ICMP: echo request -> echo reply, same identifier, sequence and data. */
#include "abi.h"
#include "net.h"
#include "util.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMP_HLEN 8

void icmp_input(const struct ipv4_rx *rx)
{
    const u8 *req = rx->payload;
    u16 len = rx->payload_len;
    if (len < ICMP_HLEN || len > ETH_MTU - IPV4_HLEN)
        return;
    if (inet_fold(inet_sum(0, req, len)) != 0)
        return; /* corrupted */
    if (req[0] != ICMP_ECHO_REQUEST || req[1] != 0)
        return;

    struct net_txbuf tb;
    net_tx_get(&tb);
    u8 *rep = ipv4_tx_begin(&tb, rx->src_mac, rx->src_ip, IP_PROTO_ICMP);
    memcpy(rep, req, len);
    rep[0] = ICMP_ECHO_REPLY;
    rep[1] = 0;
    put_be16(rep + 2, 0);
    put_be16(rep + 2, inet_fold(inet_sum(0, rep, len)));
    ipv4_tx_send(&tb, len);
    STATUS->icmp_echo_replies++;
}
