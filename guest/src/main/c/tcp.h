/*
 * A small TCP (RFC 9293 subset) for services in the guest: passive open only, a fixed table of
 * connections, MSS option (nothing else advertised: no window scaling, SACK or timestamps),
 * in-order delivery into a per-connection receive buffer (out-of-order segments are dropped and
 * answered with a duplicate ACK), the advertised window is the buffer's free space, go-back-N
 * retransmission on an RFC 6298 timer (rdtsc, tsc.h), fast retransmit on 3 duplicate ACKs,
 * zero-window probes, orderly close both ways, a 1 s TIME_WAIT, RST for closed ports and bad
 * segments. No congestion control (a LAN test guest with small buffers). Polled and
 * single-threaded like the rest of the net stack.
 *
 * A service sees a connection by id (0 .. TCP_MAX_CONNS-1) through callbacks made while the stack
 * handles input or timers; whatever it queues with tcp_send goes out when the callback returns.
 */
#ifndef KEMARI_TCP_H
#define KEMARI_TCP_H

#include "net.h"
#include "types.h"

#define TCP_MAX_CONNS 8
#define TCP_RX_BUF 4096 /* the receive window: at most this much unread data per connection */
#define TCP_TX_BUF 8192 /* unacknowledged + unsent data per connection */
#define TCP_MAX_LISTENERS 4

struct tcp_service {
    /* The handshake completed: connection `id` is ESTABLISHED. */
    void (*established)(u32 id);
    /* Something changed: new data, send space freed, or the peer closed (tcp_rx_eof). */
    void (*ready)(u32 id);
    /* The connection is gone (closed, reset or timed out); `id` may be reused afterwards. */
    void (*closed)(u32 id);
};

void tcp_init(void);
/* Passive open on `port` (host byte order). */
void tcp_listen(u16 port, const struct tcp_service *svc);
/* The IPv4 protocol handler (ipv4.c's table). */
void tcp_input(const struct ipv4_rx *rx);
/* Runs expired timers and flushes what they sent; call once per main-loop round. */
void tcp_timers(void);
/* Microseconds until the next timer (at least 1), or 0 if no timer is running. */
u32 tcp_wait_us(void);
/* Connections not CLOSED (for STATS). */
u32 tcp_active_connections(void);

/* ---- for services, inside callbacks ---- */
/* The unread in-order data (contiguous) and its length. */
const u8 *tcp_rx_data(u32 id, u32 *len);
/* Removes n bytes from the front of the unread data (opens the window). */
void tcp_rx_consume(u32 id, u32 n);
/* The peer sent FIN: no data follows what tcp_rx_data shows. */
int tcp_rx_eof(u32 id);
/* Bytes tcp_send can take now (0 once tcp_shutdown was called). */
u32 tcp_tx_space(u32 id);
/* Queues data (len <= tcp_tx_space). */
void tcp_send(u32 id, const void *data, u32 len);
/* Sends FIN after the queued data (close from our side; the receive side stays readable). */
void tcp_shutdown(u32 id);

#endif
