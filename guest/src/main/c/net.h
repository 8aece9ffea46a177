/*
 * A minimal IPv4 host for NET_RESPONDER, layered so more protocols slot in:
 *   netdev (virtio-net queues) -> eth_input (dispatch by ethertype: ARP, IPv4)
 *   -> ipv4_input (dispatch by protocol number: ICMP, UDP, TCP)
 *   -> udp_input (dispatch by destination port: 7 = echo, 8 = status), tcp_input (tcp.h:
 *      connections and listening ports, e.g. the KV_SERVER's).
 * Replies go out through net_tx_get/ipv4_tx_begin/ipv4_tx_send. Single-threaded, polled.
 */
#ifndef KEMARI_NET_H
#define KEMARI_NET_H

#include "types.h"

#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_MTU 1500
#define ETH_MIN_FRAME 60 /* without FCS; shorter frames are padded with zeros */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806

#define IPV4_HLEN 20
#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17

/* This host: from the boot info. */
struct netif {
    u8 mac[ETH_ALEN];
    u32 ip; /* network byte order, as stored in memory */
};
extern struct netif netif;

/* ---- netdev.c: the virtio-net device ---- */
void net_init(void);
/* Handles every frame that has arrived; returns how many. Also reclaims sent buffers. */
u32 net_poll(void);

/* A transmit buffer: `frame` has room for ETH_HLEN + ETH_MTU bytes. */
struct net_txbuf {
    u8 *frame;
    u16 desc;
};
/* Gets a free transmit buffer (waits for the device if all are in flight). */
void net_tx_get(struct net_txbuf *tb);
/* Queues the frame; the device is notified once at the end of net_poll (or when full). */
void net_tx_put(struct net_txbuf *tb, u16 frame_len);
/* Notifies the device of frames queued since the last notification (net_poll does it too). */
void net_tx_flush(void);

/* ---- eth.c: Ethernet and ARP ---- */
void eth_input(const u8 *frame, u16 len);
/* Fills the Ethernet header of tb->frame and returns the payload pointer. */
u8 *eth_tx_begin(struct net_txbuf *tb, const u8 *dst_mac, u16 ethertype);

/* ---- ipv4.c: IPv4 and the Internet checksum ---- */
/* A received datagram, as handed to a protocol handler. */
struct ipv4_rx {
    const u8 *src_mac;
    u32 src_ip; /* network byte order */
    u32 dst_ip;
    u8 proto;
    const u8 *payload;
    u16 payload_len;
};
void ipv4_input(const u8 *src_mac, const u8 *packet, u16 len);
/* Starts a datagram from this host; returns the payload pointer (room for ETH_MTU - 20). */
u8 *ipv4_tx_begin(struct net_txbuf *tb, const u8 *dst_mac, u32 dst_ip, u8 proto);
/* Completes the IPv4 header (length, checksum) and queues the frame. */
void ipv4_tx_send(struct net_txbuf *tb, u16 payload_len);

/* One's-complement sum over big-endian 16-bit words, not yet folded or inverted. */
u32 inet_sum(u32 sum, const u8 *data, u32 len);
/* Folds and inverts: the value to store in a checksum field (0 means "verifies" on input). */
u16 inet_fold(u32 sum);
/* The sum of the IPv4 pseudo header for UDP/TCP checksums. */
u32 inet_pseudo_sum(u32 src_ip, u32 dst_ip, u8 proto, u16 len);

/* ---- icmp.c, udp.c: protocol handlers ---- */
void icmp_input(const struct ipv4_rx *rx);
void udp_input(const struct ipv4_rx *rx);
void tcp_input(const struct ipv4_rx *rx); /* tcp.c */

#endif
