/* TCP: see tcp.h for what is (and is not) implemented. Sequence numbers compare mod 2^32. */
#include "abi.h"
#include "heap.h"
#include "io.h"
#include "net.h"
#include "tcp.h"
#include "tsc.h"
#include "util.h"

#define TCP_HLEN 20
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

#define TCP_MSS (ETH_MTU - IPV4_HLEN - TCP_HLEN) /* 1460: what we advertise and the most we send */
#define TCP_DEFAULT_MSS 536                      /* peer sent no MSS option (RFC 9293 3.7.1) */
#define OPT_END 0
#define OPT_NOP 1
#define OPT_MSS 2

/* Timers, microseconds. RTO per RFC 6298 but with Linux's 200 ms floor and a 500 ms initial value
   (shorter than the RFC's 1 s, so our SYN-ACK is resent before a Linux client's first SYN retry). */
#define RTO_INIT_US 500000u
#define RTO_MIN_US 200000u
#define RTO_MAX_US 8000000u
#define RTO_GRANULARITY_US 1000u
#define SYNACK_RETRIES 5
#define DATA_RETRIES 12
#define TIME_WAIT_US 1000000u
#define FIN_WAIT_2_US 10000000u /* our FIN is acknowledged; the peer's may never come */

enum tcp_state {
    TCP_CLOSED = 0, /* slot free */
    TCP_SYN_RCVD,
    TCP_ESTABLISHED,
    TCP_CLOSE_WAIT,
    TCP_LAST_ACK,
    TCP_FIN_WAIT_1,
    TCP_FIN_WAIT_2,
    TCP_CLOSING,
    TCP_TIME_WAIT,
};

struct tcp_conn {
    u8 state;
    u8 app_open;    /* the service got `established` and not yet `closed` */
    u8 fin_rcvd;    /* the peer's FIN is in rcv_nxt */
    u8 fin_queued;  /* tcp_shutdown: FIN at fin_seq, after the queued data */
    u8 ack_pending; /* an ACK must go out (piggybacked if data does) */
    u8 dupacks;
    u8 timer_on;
    u8 rtt_timing;
    u8 retries;
    u8 peer_mac[ETH_ALEN];
    u32 peer_ip; /* network byte order */
    u16 peer_port, local_port;
    const struct tcp_service *svc;

    u32 iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, fin_seq;
    u16 snd_mss;
    u32 irs, rcv_nxt, rcv_adv; /* rcv_adv: the right window edge we last advertised */

    u8 *rx; /* unread data, [0, rx_len) */
    u32 rx_len;
    u8 *tx; /* data from snd_una on, [0, tx_len); sent up to snd_nxt */
    u32 tx_len;

    u64 deadline; /* tsc: retransmission / persist timer, or the end of TIME_WAIT */
    u32 rto_us, srtt_us, rttvar_us;
    u32 rtt_seq;
    u64 rtt_start;
};

struct tcp_seg {
    u16 sport, dport;
    u32 seq, ack;
    u8 flags;
    u16 wnd;
    u16 mss; /* from the options, 0 if none */
    const u8 *data;
    u32 dlen;
};

static struct tcp_conn conns[TCP_MAX_CONNS];
static struct {
    u16 port;
    const struct tcp_service *svc;
} listeners[TCP_MAX_LISTENERS];
static u32 listener_count;
static u32 iss_counter;

static inline int seq_lt(u32 a, u32 b) { return (s32)(a - b) < 0; }
static inline int seq_leq(u32 a, u32 b) { return (s32)(a - b) <= 0; }
static inline int seq_gt(u32 a, u32 b) { return (s32)(a - b) > 0; }
static inline int seq_geq(u32 a, u32 b) { return (s32)(a - b) >= 0; }

static u32 conn_id(const struct tcp_conn *c) { return (u32)(c - conns); }

void tcp_init(void)
{
    u8 *mem = heap_alloc((u64)TCP_MAX_CONNS * (TCP_RX_BUF + TCP_TX_BUF), 4096);
    for (u32 i = 0; i < TCP_MAX_CONNS; i++) {
        memset(&conns[i], 0, sizeof(conns[i]));
        conns[i].rx = mem + (u64)i * (TCP_RX_BUF + TCP_TX_BUF);
        conns[i].tx = conns[i].rx + TCP_RX_BUF;
    }
    listener_count = 0;
    iss_counter = 0;
}

void tcp_listen(u16 port, const struct tcp_service *svc)
{
    if (listener_count < TCP_MAX_LISTENERS) {
        listeners[listener_count].port = port;
        listeners[listener_count].svc = svc;
        listener_count++;
    }
}

/* ---- output ---- */

static u32 rcv_window(const struct tcp_conn *c)
{
    u32 w = TCP_RX_BUF - c->rx_len;
    return w > 0xFFFF ? 0xFFFF : w;
}

/* Builds and queues one segment of connection c. */
static void xmit(struct tcp_conn *c, u32 seq, u8 flags, const u8 *data, u32 len)
{
    struct net_txbuf tb;
    net_tx_get(&tb);
    u8 *t = ipv4_tx_begin(&tb, c->peer_mac, c->peer_ip, IP_PROTO_TCP);
    u16 hlen = (flags & TCP_SYN) ? TCP_HLEN + 4 : TCP_HLEN;
    u32 wnd = rcv_window(c);
    put_be16(t, c->local_port);
    put_be16(t + 2, c->peer_port);
    put_be32(t + 4, seq);
    put_be32(t + 8, (flags & TCP_ACK) ? c->rcv_nxt : 0);
    t[12] = (u8)((hlen / 4) << 4);
    t[13] = flags;
    put_be16(t + 14, (u16)wnd);
    put_be16(t + 16, 0); /* checksum, below */
    put_be16(t + 18, 0); /* urgent pointer */
    if (flags & TCP_SYN) {
        t[20] = OPT_MSS;
        t[21] = 4;
        put_be16(t + 22, TCP_MSS);
    }
    if (len)
        memcpy(t + hlen, data, len);
    u16 tlen = (u16)(hlen + len);
    u32 sum = inet_pseudo_sum(netif.ip, c->peer_ip, IP_PROTO_TCP, tlen);
    put_be16(t + 16, inet_fold(inet_sum(sum, t, tlen)));
    ipv4_tx_send(&tb, tlen);
    if (flags & TCP_ACK) {
        c->rcv_adv = c->rcv_nxt + wnd;
        c->ack_pending = 0;
    }
    STATUS->tcp_segments_out++;
}

/* RST in answer to a segment that has no connection (RFC 9293 3.10.7.1). */
static void send_reset(const struct ipv4_rx *ip, const struct tcp_seg *s)
{
    if (s->flags & TCP_RST)
        return;
    struct tcp_conn tmp;
    memset(&tmp, 0, sizeof(tmp));
    memcpy(tmp.peer_mac, ip->src_mac, ETH_ALEN);
    tmp.peer_ip = ip->src_ip;
    tmp.peer_port = s->sport;
    tmp.local_port = s->dport;
    tmp.rx_len = TCP_RX_BUF; /* window 0 */
    if (s->flags & TCP_ACK) {
        xmit(&tmp, s->ack, TCP_RST, 0, 0);
    } else {
        tmp.rcv_nxt = s->seq + s->dlen + ((s->flags & TCP_SYN) ? 1 : 0) + ((s->flags & TCP_FIN) ? 1 : 0);
        xmit(&tmp, 0, TCP_RST | TCP_ACK, 0, 0);
    }
    STATUS->tcp_resets_sent++;
}

static void timer_arm(struct tcp_conn *c, u64 now)
{
    c->deadline = now + tsc_from_us(c->rto_us);
    c->timer_on = 1;
}

/* Sequence space still to be acknowledged or sent: the timer runs (retransmission or persist). */
static int has_work(const struct tcp_conn *c)
{
    return c->snd_max != c->snd_una || c->tx_len > 0 || (c->fin_queued && seq_leq(c->snd_una, c->fin_seq));
}

/* Sends what the window allows from snd_nxt: data, then the FIN; or a pure ACK if one is due. */
static void output(struct tcp_conn *c)
{
    if (c->state == TCP_CLOSED || c->state == TCP_SYN_RCVD)
        return;
    u64 now = tsc_now();
    for (;;) {
        u32 off = c->snd_nxt - c->snd_una;
        if (off < c->tx_len) {
            u32 win_end = c->snd_una + c->snd_wnd;
            u32 room = seq_gt(win_end, c->snd_nxt) ? win_end - c->snd_nxt : 0;
            u32 n = c->tx_len - off;
            if (n > room)
                n = room;
            if (n > c->snd_mss)
                n = c->snd_mss;
            if (n == 0)
                break; /* window closed: the timer probes it */
            u8 flags = TCP_ACK | TCP_PSH;
            if (c->fin_queued && c->snd_nxt + n == c->fin_seq)
                flags |= TCP_FIN;
            if (c->snd_nxt == c->snd_max && !c->rtt_timing) { /* new data: time it (Karn) */
                c->rtt_timing = 1;
                c->rtt_seq = c->snd_nxt + n;
                c->rtt_start = now;
            }
            xmit(c, c->snd_nxt, flags, c->tx + off, n);
            c->snd_nxt += n + ((flags & TCP_FIN) ? 1 : 0);
        } else if (c->fin_queued && c->snd_nxt == c->fin_seq) {
            xmit(c, c->snd_nxt, TCP_ACK | TCP_FIN, 0, 0);
            c->snd_nxt++;
        } else {
            break;
        }
        if (seq_gt(c->snd_nxt, c->snd_max))
            c->snd_max = c->snd_nxt;
        if (!c->timer_on)
            timer_arm(c, now);
    }
    /* Receiver SWS avoidance: announce a window that opened by a good amount. */
    u32 edge = c->rcv_nxt + rcv_window(c);
    if (!c->fin_rcvd && seq_gt(edge, c->rcv_adv) && edge - c->rcv_adv >= TCP_RX_BUF / 2)
        c->ack_pending = 1;
    if (c->ack_pending)
        xmit(c, c->snd_nxt, TCP_ACK, 0, 0);
    if (!c->timer_on && has_work(c))
        timer_arm(c, now);
}

static void send_synack(struct tcp_conn *c)
{
    xmit(c, c->iss, TCP_SYN | TCP_ACK, 0, 0);
}

/* ---- connections ---- */

static void conn_free(struct tcp_conn *c)
{
    int notify = c->app_open;
    c->app_open = 0;
    c->state = TCP_CLOSED;
    c->timer_on = 0;
    if (notify)
        c->svc->closed(conn_id(c));
}

static void conn_abort(struct tcp_conn *c)
{
    xmit(c, c->snd_nxt, TCP_RST | TCP_ACK, 0, 0);
    STATUS->tcp_resets_sent++;
    conn_free(c);
}

static struct tcp_conn *conn_lookup(u32 ip, u16 port, u16 local_port)
{
    for (u32 i = 0; i < TCP_MAX_CONNS; i++) {
        struct tcp_conn *c = &conns[i];
        if (c->state != TCP_CLOSED && c->peer_ip == ip && c->peer_port == port && c->local_port == local_port)
            return c;
    }
    return 0;
}

/* A free slot, else the one in TIME_WAIT the longest (it only waits to re-ACK a lost FIN). */
static struct tcp_conn *conn_alloc(void)
{
    struct tcp_conn *tw = 0;
    for (u32 i = 0; i < TCP_MAX_CONNS; i++) {
        struct tcp_conn *c = &conns[i];
        if (c->state == TCP_CLOSED)
            return c;
        if (c->state == TCP_TIME_WAIT && (!tw || (s64)(c->deadline - tw->deadline) < 0))
            tw = c;
    }
    if (tw)
        conn_free(tw);
    return tw;
}

static u16 parse_mss(const u8 *opt, u32 len)
{
    u32 i = 0;
    while (i < len) {
        u8 kind = opt[i];
        if (kind == OPT_END)
            break;
        if (kind == OPT_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
            break; /* malformed: ignore the rest */
        if (kind == OPT_MSS && opt[i + 1] == 4)
            return get_be16(opt + i + 2);
        i += opt[i + 1];
    }
    return 0;
}

/* A segment for a port with no connection: LISTEN processing (RFC 9293 3.10.7.2) or RST. */
static void listen_input(const struct ipv4_rx *ip, const struct tcp_seg *s)
{
    const struct tcp_service *svc = 0;
    for (u32 i = 0; i < listener_count; i++) {
        if (listeners[i].port == s->dport)
            svc = listeners[i].svc;
    }
    if (!svc || (s->flags & TCP_ACK)) {
        send_reset(ip, s); /* closed port, or an ACK for a connection that does not exist */
        return;
    }
    if ((s->flags & (TCP_SYN | TCP_RST)) != TCP_SYN)
        return;
    struct tcp_conn *c = conn_alloc();
    if (!c)
        return; /* table full: drop the SYN, the client retries */
    u8 *rx = c->rx, *tx = c->tx;
    memset(c, 0, sizeof(*c));
    c->rx = rx;
    c->tx = tx;
    memcpy(c->peer_mac, ip->src_mac, ETH_ALEN);
    c->peer_ip = ip->src_ip;
    c->peer_port = s->sport;
    c->local_port = s->dport;
    c->svc = svc;
    /* Deterministic, per-connection distinct ISS (a test guest: not hardened against guessing). */
    u32 key[3] = {ip->src_ip, (u32)s->sport << 16 | s->dport, iss_counter++};
    c->iss = (u32)fnv1a64(key, sizeof(key)) + iss_counter * 64000u;
    c->snd_una = c->iss;
    c->snd_nxt = c->snd_max = c->iss + 1;
    c->snd_wnd = s->wnd;
    c->snd_wl1 = s->seq;
    c->snd_wl2 = c->iss;
    c->snd_mss = s->mss ? s->mss : TCP_DEFAULT_MSS;
    if (c->snd_mss > TCP_MSS)
        c->snd_mss = TCP_MSS;
    if (c->snd_mss < 64)
        c->snd_mss = 64;
    c->irs = s->seq;
    c->rcv_nxt = s->seq + 1;
    c->rto_us = RTO_INIT_US;
    c->state = TCP_SYN_RCVD;
    send_synack(c);
    timer_arm(c, tsc_now());
}

static void rtt_sample(struct tcp_conn *c, u32 r)
{
    if (c->srtt_us == 0) {
        c->srtt_us = r ? r : 1;
        c->rttvar_us = r / 2;
    } else {
        u32 d = c->srtt_us > r ? c->srtt_us - r : r - c->srtt_us;
        c->rttvar_us = (3 * c->rttvar_us + d) / 4;
        c->srtt_us = (7 * c->srtt_us + r) / 8;
    }
    u32 var = 4 * c->rttvar_us;
    u32 rto = c->srtt_us + (var > RTO_GRANULARITY_US ? var : RTO_GRANULARITY_US);
    c->rto_us = rto < RTO_MIN_US ? RTO_MIN_US : rto > RTO_MAX_US ? RTO_MAX_US : rto;
}

/* The ACK field of a segment in a synchronized state. Returns ACK_OK, ACK_DROP (acknowledges
   something never sent: answer with an ACK, ignore the segment) or ACK_GONE (connection freed). */
enum { ACK_GONE, ACK_OK, ACK_DROP };
static int ack_input(struct tcp_conn *c, const struct tcp_seg *s, int *tx_freed)
{
    if (seq_gt(s->ack, c->snd_max)) {
        c->ack_pending = 1;
        return ACK_DROP;
    }
    u64 now = tsc_now();
    c->retries = 0; /* the peer is alive */
    if (seq_gt(s->ack, c->snd_una)) {
        u32 n = s->ack - c->snd_una;
        u32 data = n < c->tx_len ? n : c->tx_len;
        if (data) {
            c->tx_len -= data;
            if (c->tx_len)
                memmove(c->tx, c->tx + data, c->tx_len);
            *tx_freed = 1;
        }
        c->snd_una = s->ack;
        if (seq_lt(c->snd_nxt, c->snd_una))
            c->snd_nxt = c->snd_una; /* acks data sent before a go-back-N rewind */
        c->dupacks = 0;
        if (c->rtt_timing && seq_geq(s->ack, c->rtt_seq)) {
            c->rtt_timing = 0;
            rtt_sample(c, tsc_to_us(now - c->rtt_start));
        }
        c->timer_on = 0;
        if (has_work(c))
            timer_arm(c, now);
        if (c->fin_queued && seq_gt(c->snd_una, c->fin_seq)) { /* our FIN is acknowledged */
            switch (c->state) {
            case TCP_FIN_WAIT_1:
                c->state = TCP_FIN_WAIT_2;
                c->timer_on = 0;
                c->deadline = now + tsc_from_us(FIN_WAIT_2_US);
                break;
            case TCP_CLOSING:
                c->state = TCP_TIME_WAIT;
                c->timer_on = 0;
                c->deadline = now + tsc_from_us(TIME_WAIT_US);
                break;
            case TCP_LAST_ACK:
                conn_free(c);
                return ACK_GONE;
            default:
                break;
            }
        }
    } else if (s->ack == c->snd_una && s->dlen == 0 && !(s->flags & (TCP_SYN | TCP_FIN)) &&
               s->wnd == c->snd_wnd && c->snd_max != c->snd_una) {
        if (++c->dupacks == 3) { /* fast retransmit: one segment at snd_una */
            u32 n = c->tx_len < c->snd_mss ? c->tx_len : c->snd_mss;
            u8 flags = TCP_ACK;
            if (c->fin_queued && c->snd_una + n == c->fin_seq)
                flags |= TCP_FIN;
            if (n || (flags & TCP_FIN))
                xmit(c, c->snd_una, flags, c->tx, n);
            c->rtt_timing = 0;
        }
    }
    /* Send window update (RFC 9293 3.10.7.4, SND.WL1/WL2). */
    if (seq_lt(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq && seq_leq(c->snd_wl2, s->ack))) {
        c->snd_wnd = s->wnd;
        c->snd_wl1 = s->seq;
        c->snd_wl2 = s->ack;
    }
    return ACK_OK;
}

/* Our side of the handshake is acknowledged. */
static void establish(struct tcp_conn *c, const struct tcp_seg *s)
{
    c->state = TCP_ESTABLISHED;
    c->snd_una = s->ack;
    c->snd_wnd = s->wnd;
    c->snd_wl1 = s->seq;
    c->snd_wl2 = s->ack;
    c->timer_on = 0;
    c->retries = 0;
    c->rto_us = RTO_INIT_US;
    STATUS->tcp_connections++;
    c->app_open = 1;
    c->svc->established(conn_id(c));
}

static int synchronized_state(u8 st)
{
    return st != TCP_CLOSED && st != TCP_SYN_RCVD;
}

static int receives_data(u8 st)
{
    return st == TCP_ESTABLISHED || st == TCP_FIN_WAIT_1 || st == TCP_FIN_WAIT_2;
}

/* A segment of an existing connection (RFC 9293 3.10.7.4, simplified). */
static void conn_input(struct tcp_conn *c, const struct ipv4_rx *ip, const struct tcp_seg *s)
{
    memcpy(c->peer_mac, ip->src_mac, ETH_ALEN);
    int notify = 0, tx_freed = 0;

    if (c->state == TCP_SYN_RCVD && (s->flags & TCP_SYN) && !(s->flags & TCP_ACK) && s->seq == c->irs) {
        send_synack(c); /* the client resent its SYN: our SYN-ACK was lost */
        return;
    }

    /* 1. Is the segment in the receive window? */
    u32 wnd = c->fin_rcvd ? 0 : rcv_window(c);
    u32 seglen = s->dlen + ((s->flags & TCP_SYN) ? 1 : 0) + ((s->flags & TCP_FIN) ? 1 : 0);
    int ok;
    if (seglen == 0)
        ok = wnd == 0 ? s->seq == c->rcv_nxt
                      : seq_geq(s->seq, c->rcv_nxt) && seq_lt(s->seq, c->rcv_nxt + wnd);
    else if (wnd == 0)
        ok = 0;
    else
        ok = (seq_geq(s->seq, c->rcv_nxt) && seq_lt(s->seq, c->rcv_nxt + wnd)) ||
             (seq_geq(s->seq + seglen - 1, c->rcv_nxt) && seq_lt(s->seq + seglen - 1, c->rcv_nxt + wnd));
    if (!ok) {
        if (s->flags & TCP_RST)
            return;
        /* Old duplicate, beyond the window, or our window is 0: re-ACK; still take the ACK
           field (RFC 9293 allows it; with a zero window it is what frees our send buffer). */
        if ((s->flags & TCP_ACK) && synchronized_state(c->state) && ack_input(c, s, &tx_freed) == ACK_GONE)
            return;
        c->ack_pending = 1;
        goto done;
    }

    /* 2. RST: exactly at rcv_nxt resets, elsewhere in the window gets a challenge ACK (RFC 5961). */
    if (s->flags & TCP_RST) {
        if (s->seq == c->rcv_nxt)
            conn_free(c);
        else
            xmit(c, c->snd_nxt, TCP_ACK, 0, 0);
        return;
    }
    /* 3. A SYN in the window: challenge ACK (RFC 5961 4.2). */
    if (s->flags & TCP_SYN) {
        xmit(c, c->snd_nxt, TCP_ACK, 0, 0);
        return;
    }
    /* 4. ACK. */
    if (!(s->flags & TCP_ACK))
        return;
    if (c->state == TCP_SYN_RCVD) {
        if (seq_gt(s->ack, c->snd_una) && seq_leq(s->ack, c->snd_max)) {
            establish(c, s);
            notify = 1;
        } else {
            struct tcp_conn tmp = *c; /* RST seq = SEG.ACK, the connection stays */
            xmit(&tmp, s->ack, TCP_RST, 0, 0);
            STATUS->tcp_resets_sent++;
            return;
        }
    } else {
        int a = ack_input(c, s, &tx_freed);
        if (a == ACK_GONE)
            return;
        if (a == ACK_DROP)
            goto done;
    }
    if (tx_freed)
        notify = 1;

    /* 5. Data and FIN, in order only: an out-of-order segment is dropped and re-ACKed. */
    if (seglen > 0 && receives_data(c->state)) {
        if (seq_gt(s->seq, c->rcv_nxt)) {
            c->ack_pending = 1;
        } else {
            u32 skip = c->rcv_nxt - s->seq; /* already received */
            u32 n = s->dlen > skip ? s->dlen - skip : 0;
            int fin = (s->flags & TCP_FIN) != 0;
            if (n > wnd) {
                n = wnd;
                fin = 0; /* the FIN lies beyond what we take */
            }
            if (n) {
                memcpy(c->rx + c->rx_len, s->data + skip, n);
                c->rx_len += n;
                c->rcv_nxt += n;
                notify = 1;
            }
            c->ack_pending = 1;
            if (fin) {
                c->rcv_nxt++;
                c->fin_rcvd = 1;
                notify = 1;
                if (c->state == TCP_ESTABLISHED) {
                    c->state = TCP_CLOSE_WAIT;
                } else if (c->state == TCP_FIN_WAIT_1) {
                    c->state = TCP_CLOSING;
                } else { /* FIN_WAIT_2 */
                    c->state = TCP_TIME_WAIT;
                    c->timer_on = 0;
                    c->deadline = tsc_now() + tsc_from_us(TIME_WAIT_US);
                }
            }
        }
    } else if (seglen > 0) {
        c->ack_pending = 1;
    }

done:
    if (notify && c->app_open && c->state != TCP_TIME_WAIT)
        c->svc->ready(conn_id(c));
    if (c->state != TCP_CLOSED)
        output(c);
}

void tcp_input(const struct ipv4_rx *ip)
{
    const u8 *t = ip->payload;
    u32 len = ip->payload_len;
    if (len < TCP_HLEN)
        return;
    u32 hlen = (u32)(t[12] >> 4) * 4;
    if (hlen < TCP_HLEN || hlen > len)
        return;
    u32 sum = inet_pseudo_sum(ip->src_ip, ip->dst_ip, IP_PROTO_TCP, (u16)len);
    if (inet_fold(inet_sum(sum, t, len)) != 0)
        return; /* corrupted */
    STATUS->tcp_segments_in++;
    struct tcp_seg s = {
        .sport = get_be16(t),
        .dport = get_be16(t + 2),
        .seq = get_be32(t + 4),
        .ack = get_be32(t + 8),
        .flags = t[13],
        .wnd = get_be16(t + 14),
        .mss = (t[13] & TCP_SYN) ? parse_mss(t + TCP_HLEN, hlen - TCP_HLEN) : 0,
        .data = t + hlen,
        .dlen = len - hlen,
    };
    if (s.sport == 0 || s.dport == 0 || ip->src_ip == 0xFFFFFFFFu || (ip->src_mac[0] & 1))
        return;
    struct tcp_conn *c = conn_lookup(ip->src_ip, s.sport, s.dport);
    if (c && c->state == TCP_TIME_WAIT && (s.flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN &&
        seq_gt(s.seq, c->rcv_nxt)) {
        conn_free(c); /* a new incarnation of the same 4-tuple (RFC 9293 3.10.7.4 note) */
        c = 0;
    }
    if (c)
        conn_input(c, ip, &s);
    else
        listen_input(ip, &s);
}

/* ---- timers ---- */

/* The deadline has passed, or is implausibly far away (the TSC went backwards, e.g. after a
   restore elsewhere): then fire now rather than never. */
static int expired(u64 deadline, u64 now)
{
    return (s64)(now - deadline) >= 0 || deadline - now > tsc_from_us(2ull * RTO_MAX_US);
}

static void retransmit_timeout(struct tcp_conn *c, u64 now)
{
    c->retries++;
    if (c->retries > (c->state == TCP_SYN_RCVD ? SYNACK_RETRIES : DATA_RETRIES)) {
        conn_abort(c);
        return;
    }
    c->rto_us = c->rto_us * 2 > RTO_MAX_US ? RTO_MAX_US : c->rto_us * 2;
    c->rtt_timing = 0; /* Karn: no samples from retransmitted data */
    c->dupacks = 0;
    STATUS->tcp_retransmits++;
    if (c->state == TCP_SYN_RCVD) {
        send_synack(c);
    } else {
        c->snd_nxt = c->snd_una; /* go back N */
        if (c->snd_wnd == 0 && c->tx_len > 0) {
            xmit(c, c->snd_una, TCP_ACK, c->tx, 1); /* zero-window probe */
            c->snd_nxt = c->snd_una + 1;
            if (seq_gt(c->snd_nxt, c->snd_max))
                c->snd_max = c->snd_nxt;
        } else {
            c->timer_on = 0;
            output(c);
        }
    }
    timer_arm(c, now);
}

void tcp_timers(void)
{
    u64 now = tsc_now();
    for (u32 i = 0; i < TCP_MAX_CONNS; i++) {
        struct tcp_conn *c = &conns[i];
        if (c->state == TCP_TIME_WAIT || c->state == TCP_FIN_WAIT_2) {
            if (expired(c->deadline, now))
                conn_free(c);
        } else if (c->state != TCP_CLOSED && c->timer_on && expired(c->deadline, now)) {
            retransmit_timeout(c, now);
        }
    }
    net_tx_flush();
}

u32 tcp_wait_us(void)
{
    u64 now = tsc_now();
    u32 best = 0;
    for (u32 i = 0; i < TCP_MAX_CONNS; i++) {
        struct tcp_conn *c = &conns[i];
        if (c->state == TCP_CLOSED ||
            (c->state != TCP_TIME_WAIT && c->state != TCP_FIN_WAIT_2 && !c->timer_on))
            continue;
        u32 us = expired(c->deadline, now) ? 1 : tsc_to_us(c->deadline - now) + 1;
        if (best == 0 || us < best)
            best = us;
    }
    return best;
}

u32 tcp_active_connections(void)
{
    u32 n = 0;
    for (u32 i = 0; i < TCP_MAX_CONNS; i++)
        n += conns[i].state != TCP_CLOSED;
    return n;
}

/* ---- the service API ---- */

const u8 *tcp_rx_data(u32 id, u32 *len)
{
    *len = conns[id].rx_len;
    return conns[id].rx;
}

void tcp_rx_consume(u32 id, u32 n)
{
    struct tcp_conn *c = &conns[id];
    if (n > c->rx_len)
        n = c->rx_len;
    c->rx_len -= n;
    if (c->rx_len)
        memmove(c->rx, c->rx + n, c->rx_len);
}

int tcp_rx_eof(u32 id)
{
    return conns[id].fin_rcvd;
}

u32 tcp_tx_space(u32 id)
{
    struct tcp_conn *c = &conns[id];
    if (c->fin_queued || (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT))
        return 0;
    return TCP_TX_BUF - c->tx_len;
}

void tcp_send(u32 id, const void *data, u32 len)
{
    struct tcp_conn *c = &conns[id];
    if (len > tcp_tx_space(id))
        len = tcp_tx_space(id);
    memcpy(c->tx + c->tx_len, data, len);
    c->tx_len += len;
}

void tcp_shutdown(u32 id)
{
    struct tcp_conn *c = &conns[id];
    if (c->fin_queued)
        return;
    if (c->state == TCP_ESTABLISHED)
        c->state = TCP_FIN_WAIT_1;
    else if (c->state == TCP_CLOSE_WAIT)
        c->state = TCP_LAST_ACK;
    else
        return;
    c->fin_queued = 1;
    c->fin_seq = c->snd_una + c->tx_len;
}
