/* The lwIP port (net/lwip) on the host: lwIP with unik's lwipopts.h and sys_arch.c, the kernel's
   side played by tests/unit/lwip_host.c (kmalloc with the kernel's one-page limit and a check of
   kfree's size, a fake millisecond clock). Loopback is driven as the kernel must drive it in
   NO_SYS mode: netif_poll_all and sys_check_timeouts in a loop while the clock advances. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/inet_chksum.h"
#include "lwip/pbuf.h"
#include "lwip/raw.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "lwip/prot/ip6.h"
#include "lwip/prot/udp.h"
#include "arch/sys_arch.h"
#include "k/kheap.h"
#include "tests/unit/lwip_host.h"

/* ---- Data that shows loss, duplication or reordering: each 4-byte word hashes its offset ---- */

static uint8_t pattern_byte(uint32_t seed, size_t off)
{
	uint32_t x = seed ^ (uint32_t)(off >> 2) * 0x9e3779b1u;
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	return (uint8_t)(x >> ((off & 3) * 8));
}

static void pattern_fill(uint8_t *buf, uint32_t seed, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = pattern_byte(seed, off + i);
}

/* ---- A TCP endpoint that sends tx_total pattern bytes and checks rx_total received ones ---- */

struct tcp_end {
	struct tcp_pcb *pcb;
	uint32_t tx_seed, rx_seed;
	size_t tx_total, tx_queued, tx_acked;
	size_t rx_total, rx_got, rx_bad, rx_first_bad;
	tcpwnd_size_t peer_wnd_max;     /* largest send window the peer offered */
	int recv_calls, writes, err_calls;
	bool closed, got_fin, data_after_fin;
	bool close_when_received;       /* close once rx_total arrived (the client) */
	bool reply_when_received;       /* start sending once rx_total arrived (the server) */
	bool close_when_queued;         /* close once tx_total is queued: a FIN on the last segment */
	bool hold_window;               /* leave received bytes unread (window closing) until the FIN */
	size_t rx_held;                 /* bytes received and not yet given back with tcp_recved */
};

static void tcp_end_close(struct tcp_end *e);

static void tcp_end_push(struct tcp_end *e)
{
	static uint8_t chunk[16384];
	while (e->tx_queued < e->tx_total) {
		size_t n = e->tx_total - e->tx_queued;
		n = n < sizeof(chunk) ? n : sizeof(chunk);
		n = n < tcp_sndbuf(e->pcb) ? n : tcp_sndbuf(e->pcb);
		if (n == 0)
			break;
		pattern_fill(chunk, e->tx_seed, e->tx_queued, n);
		err_t err = tcp_write(e->pcb, chunk, (u16_t)n, TCP_WRITE_FLAG_COPY);
		if (err == ERR_MEM)
			break;          /* send queue full: the sent callback comes back */
		assert_int_equal(err, ERR_OK);
		e->tx_queued += n;
		e->writes++;
	}
	if (e->close_when_queued && e->tx_queued == e->tx_total)
		tcp_end_close(e);       /* tcp_close sends what it can */
	else
		assert_int_equal(tcp_output(e->pcb), ERR_OK);
}

static void tcp_end_close(struct tcp_end *e)
{
	if (e->closed)
		return;
	e->closed = true;
	tcp_arg(e->pcb, NULL);
	tcp_recv(e->pcb, NULL);
	tcp_sent(e->pcb, NULL);
	tcp_err(e->pcb, NULL);
	assert_int_equal(tcp_close(e->pcb), ERR_OK);
}

static void tcp_end_check(struct tcp_end *e, struct pbuf *p)
{
	for (struct pbuf *q = p; q; q = q->next) {
		const uint8_t *b = q->payload;
		for (u16_t i = 0; i < q->len; i++, e->rx_got++) {
			if (e->rx_got >= e->rx_total || b[i] != pattern_byte(e->rx_seed, e->rx_got)) {
				if (!e->rx_bad++)
					e->rx_first_bad = e->rx_got;
			}
		}
	}
}

/* All rx_total bytes arrived, each as sent. */
static void tcp_end_assert_received(const struct tcp_end *e)
{
	if (e->rx_bad)
		fail_msg("%zu bad bytes, the first at offset %zu", e->rx_bad, e->rx_first_bad);
	assert_int_equal(e->rx_got, e->rx_total);
}

/* Gives back the held bytes (tcp_recved takes at most 64 KiB - 1 at a time). */
static void tcp_end_release(struct tcp_end *e)
{
	while (e->rx_held) {
		u16_t n = (u16_t)(e->rx_held < 0xffff ? e->rx_held : 0xffff);
		tcp_recved(e->pcb, n);
		e->rx_held -= n;
	}
}

static err_t tcp_end_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct tcp_end *e = arg;
	e->recv_calls++;
	if (!p) {
		e->got_fin = true;
		tcp_end_release(e);     /* else the close would be a reset (data left unread) */
		tcp_end_close(e);
		return ERR_OK;
	}
	if (e->got_fin)
		e->data_after_fin = true;
	tcp_end_check(e, p);
	if (e->hold_window)
		e->rx_held += p->tot_len;
	else
		tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	if (e->rx_got == e->rx_total && e->reply_when_received)
		tcp_end_push(e);
	if (e->rx_got == e->rx_total && e->close_when_received)
		tcp_end_close(e);
	return ERR_OK;
}

static err_t tcp_end_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct tcp_end *e = arg;
	e->tx_acked += len;
	if (pcb->snd_wnd > e->peer_wnd_max)
		e->peer_wnd_max = pcb->snd_wnd;
	if (e->tx_queued < e->tx_total && (!e->reply_when_received || e->rx_got == e->rx_total))
		tcp_end_push(e);
	return ERR_OK;
}

static void tcp_end_err(void *arg, err_t err)
{
	struct tcp_end *e = arg;
	e->err_calls++;
	e->pcb = NULL;
	e->closed = true;
}

static void tcp_end_attach(struct tcp_end *e, struct tcp_pcb *pcb)
{
	e->pcb = pcb;
	tcp_arg(pcb, e);
	tcp_recv(pcb, tcp_end_recv);
	tcp_sent(pcb, tcp_end_sent);
	tcp_err(pcb, tcp_end_err);
}

#define TCP_PORT 5001
#define UPLOAD (4u << 20)
#define REPLY (1u << 20)
static struct tcp_end client, server;
static int accepts;

static err_t server_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	assert_int_equal(err, ERR_OK);
	accepts++;
	tcp_end_attach(&server, pcb);
	return ERR_OK;
}

static err_t client_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	assert_int_equal(err, ERR_OK);
	tcp_end_push(&client);
	return ERR_OK;
}

/* ---- Tests ---- */

static int group_setup(void **state)
{
	lwip_init();
	return 0;
}

static void test_heap_hooks(void **state)
{
	long live = heap_live;
	uint8_t *p = unik_lwip_malloc(UNIK_LWIP_SMALL_MAX);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 16, 0);
	memset(p, 0xa5, UNIK_LWIP_SMALL_MAX);
	/* Above a page: runs of pages, zeroed, kept for reuse once freed. */
	long pages = pages_given;
	uint8_t *big = unik_lwip_malloc(UNIK_LWIP_MAX_ALLOC);
	assert_non_null(big);
	assert_int_equal((uintptr_t)big % 16, 0);
	assert_int_equal(pages_given, pages + 32);
	for (size_t i = 0; i < UNIK_LWIP_MAX_ALLOC; i += 4093)
		assert_int_equal(big[i], 0);
	memset(big, 0xa5, UNIK_LWIP_MAX_ALLOC);
	unik_lwip_free(big);
	uint8_t *again = unik_lwip_malloc(UNIK_LWIP_MAX_ALLOC - 100);
	assert_ptr_equal(again, big);
	assert_int_equal(pages_given, pages + 32);
	for (size_t i = 0; i < UNIK_LWIP_MAX_ALLOC - 100; i += 4093)
		assert_int_equal(again[i], 0);
	unik_lwip_free(again);
	uint8_t *mid = unik_lwip_malloc(5000);         /* two pages */
	assert_non_null(mid);
	assert_int_equal(pages_given, pages + 34);
	unik_lwip_free(mid);
	assert_null(unik_lwip_malloc(UNIK_LWIP_MAX_ALLOC + 1));
	assert_null(unik_lwip_malloc(0));
	uint32_t *z = unik_lwip_calloc(100, sizeof(uint32_t));
	assert_non_null(z);
	for (int i = 0; i < 100; i++)
		assert_int_equal(z[i], 0);
	assert_null(unik_lwip_calloc(SIZE_MAX / 2, 4));
	assert_int_equal(heap_live, live + 2);
	unik_lwip_free(p);
	unik_lwip_free(z);
	unik_lwip_free(NULL);
	assert_int_equal(heap_live, live);
	assert_int_equal(heap_bad_frees, 0);
	assert_int_equal(heap_oversize, 0);     /* the wrapper refuses before kmalloc would */
	assert_int_equal(unik_lwip_atoi("0"), 0);
	assert_int_equal(unik_lwip_atoi(" 42x"), 42);
	assert_int_equal(unik_lwip_atoi("-7"), -7);
}

static void test_loopback_up(void **state)
{
	struct netif *lo = netif_find("lo0");
	assert_non_null(lo);
	assert_true(netif_is_up(lo));
	assert_true(netif_is_link_up(lo));
	ip4_addr_t a;
	IP4_ADDR(&a, 127, 0, 0, 1);
	assert_true(ip4_addr_cmp(netif_ip4_addr(lo), &a));
	assert_true(ip6_addr_isloopback(netif_ip6_addr(lo, 0)));
	assert_true(ip6_addr_isvalid(netif_ip6_addr_state(lo, 0)));
	assert_int_equal(sys_now(), fake_ms);
}

/* Starts a connection from client to server (both zeroed first) over 127.0.0.1:port; returns
   the listener. */
static struct tcp_pcb *tcp_pair_start(u16_t port)
{
	memset(&client, 0, sizeof(client));
	memset(&server, 0, sizeof(server));
	accepts = 0;
	ip_addr_t lo4 = IPADDR4_INIT_BYTES(127, 0, 0, 1);
	struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_V4);
	assert_non_null(l);
	assert_int_equal(tcp_bind(l, &lo4, port), ERR_OK);
	l = tcp_listen_with_backlog(l, 16);
	assert_non_null(l);
	tcp_accept(l, server_accept);

	struct tcp_pcb *c = tcp_new_ip_type(IPADDR_TYPE_V4);
	assert_non_null(c);
	tcp_end_attach(&client, c);
	assert_int_equal(tcp_connect(c, &lo4, port, client_connected), ERR_OK);
	return l;
}

/* Closes the listener and lets TIME_WAIT (2 * TCP_MSL) pass; then every block lwIP took since
   the heap held live blocks is back. */
static void tcp_pair_finish(struct tcp_pcb *l, long live)
{
	tcp_close(l);
	for (uint32_t t = 0; t < 2 * TCP_MSL + 5000; t += 250)
		pump(250);
	assert_int_equal(heap_live, live);
	assert_int_equal(heap_bad_frees, 0);
	assert_int_equal(heap_oversize, 0);
}

/* 4 MiB client -> server over 127.0.0.1, then a 1 MiB reply, then both close; every byte checked. */
static void test_tcp_loopback(void **state)
{
	long live = heap_live;
	struct tcp_pcb *l = tcp_pair_start(TCP_PORT);
	client.tx_seed = 0xc11e47, client.tx_total = UPLOAD;
	client.rx_seed = 0x5e7e7, client.rx_total = REPLY, client.close_when_received = true;
	server.rx_seed = 0xc11e47, server.rx_total = UPLOAD;
	server.tx_seed = 0x5e7e7, server.tx_total = REPLY, server.reply_when_received = true;

	int rounds = 0;
	while (!(client.closed && server.closed) && rounds++ < 100000)
		pump(1);
	print_message("tcp: %d poll rounds, %d+%d writes, %d+%d recv calls, peer window %u\n",
		      rounds, client.writes, server.writes, client.recv_calls, server.recv_calls,
		      (unsigned)client.peer_wnd_max);
	assert_int_equal(accepts, 1);
	assert_int_equal(client.err_calls + server.err_calls, 0);
	tcp_end_assert_received(&server);
	assert_int_equal(client.tx_acked, UPLOAD);
	tcp_end_assert_received(&client);
	assert_int_equal(server.tx_queued, REPLY);
	assert_true(server.got_fin);
	assert_false(server.data_after_fin);
	assert_true(client.closed && server.closed);
	/* Window scaling was negotiated: the server offered more than 64 KiB. */
	assert_true(client.peer_wnd_max > 0xffff);
	tcp_pair_finish(l, live);
}

/* A server that reads nothing until the FIN, and a client whose data ends exactly at the right
   edge of the server's receive window, which then closes: the FIN either rides on the segment
   that fills the window (bare false) or comes alone once everything is acknowledged and the
   window is zero (bare true). It takes no buffer space, so the server must take it at once
   (net/lwip/patches/0001), within a few 1 ms rounds: the client's retransmission would take
   seconds. */
static void tcp_fin_at_window_edge(bool bare)
{
	long live = heap_live;
	struct tcp_pcb *l = tcp_pair_start(TCP_PORT + 1 + bare);   /* connected by the pumps */
	client.tx_seed = 0xf1e1d, client.tx_total = TCP_WND, client.close_when_queued = !bare;
	server.rx_seed = 0xf1e1d, server.rx_total = TCP_WND, server.hold_window = true;
	int rounds = 0;
	if (bare) {
		/* One window minus a few bytes goes (with a scale of 4 a window below 16 bytes is
		   advertised as 0); the server then reads it all, and exactly one window more
		   follows, to the right edge. */
		while ((client.pcb->unacked || client.pcb->snd_wnd) && rounds++ < 1000)
			pump(1);
		client.tx_total = server.rx_total = server.rx_got + TCP_WND;
		tcp_end_release(&server);
		tcp_end_push(&client);
		while ((client.pcb->unsent || client.pcb->unacked) && rounds++ < 2000)
			pump(1);
		assert_int_equal(server.rx_got, server.rx_total);
		assert_int_equal(server.pcb->rcv_wnd, 0);
		tcp_end_close(&client);
	} else {
		while (server.rx_got < server.rx_total && rounds++ < 1000)
			pump(1);
	}
	for (rounds = 0; !server.got_fin && rounds < 10; rounds++)
		pump(1);
	assert_true(server.got_fin);
	tcp_end_assert_received(&server);
	assert_false(server.data_after_fin);
	while (!(client.closed && server.closed) && rounds++ < 10000)
		pump(1);
	assert_int_equal(client.err_calls + server.err_calls, 0);
	tcp_pair_finish(l, live);
}

static void test_tcp_fin_after_window_filling_data(void **state)
{
	tcp_fin_at_window_edge(false);
}

static void test_tcp_fin_at_zero_window(void **state)
{
	tcp_fin_at_window_edge(true);
}

/* Pumps 1 ms rounds until cond holds or limit rounds went by; the rounds it took. */
#define PUMP_UNTIL(cond, limit) ({ int r_ = 0; while (!(cond) && r_ < (limit)) { pump(1); r_++; } r_; })

/* A receive window per pcb (net/lwip/patches/0004): a listener's maximum reaches the
   connection a SYN makes; a server that reads nothing takes no more than it; reading reopens
   the window at once (no timer); a maximum lowered on the open connection never takes back the
   window offered, and the rest still flows at once; a raised maximum is offered at once. */
static void test_tcp_rcv_wnd_max(void **state)
{
	long live = heap_live;
	struct tcp_pcb *l = tcp_pair_start(TCP_PORT + 3);
	tcp_set_rcv_wnd_max(l, 4096);           /* before the SYN arrives (the pumps bring it) */
	client.tx_seed = server.rx_seed = 0x3bf;
	client.tx_total = server.rx_total = 256 * 1024;
	server.hold_window = true;
	PUMP_UNTIL(false, 100);
	assert_non_null(server.pcb);
	assert_int_equal(server.pcb->rcv_wnd_max, 4096);
	assert_true(server.rx_got > 0 && server.rx_got <= 4096);
	assert_true(client.pcb->snd_wnd_max <= 4096);

	/* Reading (the held bytes given back) brings more within a few rounds. */
	size_t got = server.rx_got;
	tcp_end_release(&server);
	assert_true(PUMP_UNTIL(server.rx_got > got, 5) < 5);

	/* Lowered with the window open: the edge offered stays. */
	u32_t edge = server.pcb->rcv_ann_right_edge;
	tcp_set_rcv_wnd_max(server.pcb, 2048);
	assert_true((int32_t)(server.pcb->rcv_nxt + server.pcb->rcv_wnd - edge) >= 0);
	server.hold_window = false;
	tcp_end_release(&server);
	int rounds = PUMP_UNTIL(server.rx_got == server.rx_total, 1000);
	assert_true(rounds < 500);              /* lwIP's persist and RTO timers take seconds */
	tcp_end_assert_received(&server);
	assert_true(server.pcb->rcv_wnd <= 2048);
	assert_true(client.pcb->snd_wnd <= 2048);

	/* Raised: offered at once. */
	tcp_set_rcv_wnd_max(server.pcb, 65536);
	assert_int_equal(server.pcb->rcv_wnd, 65536);
	assert_true(PUMP_UNTIL(client.pcb->snd_wnd == 65536, 5) < 5);
	/* Lowered below a segment: the client cut its segments for the window it saw, one must
	   still fit once the window is scaled (a scale of 4: 16-byte units). */
	tcp_set_rcv_wnd_max(server.pcb, 1);
	assert_int_equal(server.pcb->rcv_wnd_max, TCP_MSS + 15);

	tcp_end_close(&client);
	PUMP_UNTIL(client.closed && server.closed, 10000);
	assert_true(server.got_fin);
	assert_int_equal(client.err_calls + server.err_calls, 0);
	tcp_pair_finish(l, live);
}

#define UDP_PORT 7001
struct udp_got {
	int count;
	u16_t len[4];
	uint8_t data[4][UNIK_LWIP_MAX_LOOP_PACKET];
	bool from_loopback[4];
	u16_t port[4];
};

static void udp_got_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			 u16_t port)
{
	struct udp_got *g = arg;
	if (g->count < 4) {
		g->len[g->count] = p->tot_len;
		pbuf_copy_partial(p, g->data[g->count], p->tot_len, 0);
		g->from_loopback[g->count] = IP_IS_V6(addr) && ip6_addr_isloopback(ip_2_ip6(addr));
		g->port[g->count] = port;
	}
	g->count++;
	pbuf_free(p);
}

/* A datagram as the kernel's socket layer would build one: payload in pool pbufs (a chain when
   it is larger than one heap block can hold). */
static err_t udp_send_pattern(struct udp_pcb *pcb, const ip_addr_t *to, uint32_t seed, u16_t len)
{
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, len, PBUF_POOL);
	assert_non_null(p);
	uint8_t *buf = malloc(len);
	pattern_fill(buf, seed, 0, len);
	assert_int_equal(pbuf_take(p, buf, len), ERR_OK);
	free(buf);
	err_t err = udp_sendto(pcb, p, to, UDP_PORT);
	pbuf_free(p);
	return err;
}

static void assert_pattern(const uint8_t *b, uint32_t seed, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += b[i] != pattern_byte(seed, i);
	assert_int_equal(bad, 0);
}

/* Datagrams over ::1: a small one, one just above a page (the loopback copies each packet into
   one heap block: a big block here) and the largest UDP payload lwIP sends over IPv6 (its
   16-bit pbuf lengths include the IPv6 header; Linux allows 40 bytes more). */
static void test_udp_ipv6_loopback(void **state)
{
	long live = heap_live;
	static struct udp_got got;
	memset(&got, 0, sizeof(got));
	ip_addr_t lo6 = IPADDR6_INIT_HOST(0, 0, 0, 1);

	struct udp_pcb *rx = udp_new_ip_type(IPADDR_TYPE_V6);
	assert_non_null(rx);
	assert_int_equal(udp_bind(rx, &lo6, UDP_PORT), ERR_OK);
	udp_recv(rx, udp_got_recv, &got);
	struct udp_pcb *tx = udp_new_ip_type(IPADDR_TYPE_V6);
	assert_non_null(tx);
	assert_int_equal(udp_bind(tx, &lo6, 0), ERR_OK);
	assert_int_not_equal(tx->local_port, 0);

	const u16_t big = 65535 - IP6_HLEN - UDP_HLEN;       /* pbuf lengths are 16 bits */
	assert_int_equal(udp_send_pattern(tx, &lo6, 0xda7a, 100), ERR_OK);
	assert_int_equal(udp_send_pattern(tx, &lo6, 0x4096, 4100), ERR_OK);
	assert_int_equal(udp_send_pattern(tx, &lo6, 0xb16, big), ERR_OK);
	for (int i = 0; i < 10; i++)
		pump(1);

	assert_int_equal(got.count, 3);
	assert_int_equal(got.len[0], 100);
	assert_pattern(got.data[0], 0xda7a, 100);
	assert_int_equal(got.len[1], 4100);
	assert_pattern(got.data[1], 0x4096, 4100);
	assert_int_equal(got.len[2], big);
	assert_pattern(got.data[2], 0xb16, big);
	for (int i = 0; i < 3; i++) {
		assert_true(got.from_loopback[i]);
		assert_int_equal(got.port[i], tx->local_port);
	}

	udp_remove(tx);
	udp_remove(rx);
	for (int i = 0; i < 10; i++)
		pump(1000);
	assert_int_equal(heap_live, live);
	assert_int_equal(heap_bad_frees, 0);
	assert_int_equal(heap_oversize, 0);
}

/* A raw PCB's view of the UDP-Lite datagrams that pass (patch 0002): the last one's header,
   length and whether its checksum holds over the coverage field's count of bytes. */
struct udplite_seen {
	int count;
	u16_t len, cov;
	bool sum_ok;
};

static u8_t udplite_raw_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	struct udplite_seen *s = arg;
	struct pbuf *q = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
	assert_non_null(q);
	pbuf_remove_header(q, ip_current_header_tot_len());
	const struct udp_hdr *h = q->payload;
	s->count++;
	s->len = q->tot_len;
	s->cov = lwip_ntohs(h->len);
	s->sum_ok = h->chksum && !ip_chksum_pseudo_partial(q, IP_PROTO_UDPLITE, q->tot_len,
							    s->cov ? s->cov : q->tot_len,
							    ip_current_src_addr(),
							    ip_current_dest_addr());
	pbuf_free(q);
	return 0;                       /* lwIP goes on with p */
}

/* A UDP-Lite header and payload, written by hand, sent over 127.0.0.1 to UDP_PORT. */
static void udplite_send_raw(struct raw_pcb *raw, const ip_addr_t *to, u16_t cov, bool sum)
{
	struct pbuf *p = pbuf_alloc(PBUF_IP, 32, PBUF_RAM);
	assert_non_null(p);
	memset(p->payload, 0, 32);
	struct udp_hdr *h = p->payload;
	h->src = lwip_htons(4000);
	h->dest = lwip_htons(UDP_PORT);
	h->len = lwip_htons(cov);
	if (sum) {
		u16_t c = ip_chksum_pseudo_partial(p, IP_PROTO_UDPLITE, 32, cov ? LWIP_MIN(cov, 32) : 32,
						   to, to);
		h->chksum = c ? c : 0xffff;
	}
	assert_int_equal(raw_sendto(raw, p, to), ERR_OK);
	pbuf_free(p);
}

/* UDP-Lite (patch 0002): a port of its own beside UDP's, datagrams only to PCBs of their
   protocol, a checksum over the coverage even on the loopif (which checksums nothing), and
   the datagrams RFC 3828 makes bad (coverage 1-7 or past the end, checksum 0) dropped. */
static void test_udplite_loopback(void **state)
{
	long live = heap_live;
	static struct udp_got got_udp, got_lite;
	struct udplite_seen seen = { 0 };
	memset(&got_udp, 0, sizeof(got_udp));
	memset(&got_lite, 0, sizeof(got_lite));
	ip_addr_t lo4 = IPADDR4_INIT_BYTES(127, 0, 0, 1);

	struct udp_pcb *udp = udp_new_ip_type(IPADDR_TYPE_V4), *lite = udp_new_ip_type(IPADDR_TYPE_V4);
	struct udp_pcb *lite2 = udp_new_ip_type(IPADDR_TYPE_V4), *tx = udp_new_ip_type(IPADDR_TYPE_V4);
	struct raw_pcb *raw = raw_new(IP_PROTO_UDPLITE);
	assert_true(udp && lite && lite2 && tx && raw);
	lite->flags |= UDP_FLAGS_UDPLITE;
	lite2->flags |= UDP_FLAGS_UDPLITE;
	assert_int_equal(udp_bind(udp, &lo4, UDP_PORT), ERR_OK);
	assert_int_equal(udp_bind(lite, &lo4, UDP_PORT), ERR_OK);
	assert_int_equal(udp_bind(lite2, &lo4, UDP_PORT), ERR_USE);
	udp_recv(udp, udp_got_recv, &got_udp);
	udp_recv(lite, udp_got_recv, &got_lite);
	raw_recv(raw, udplite_raw_recv, &seen);

	assert_int_equal(udp_send_pattern(tx, &lo4, 0x11, 100), ERR_OK);       /* UDP */
	tx->flags |= UDP_FLAGS_UDPLITE;
	tx->chksum_len_tx = 8;
	assert_int_equal(udp_send_pattern(tx, &lo4, 0x22, 100), ERR_OK);
	for (int i = 0; i < 10; i++)
		pump(1);
	assert_int_equal(got_udp.count, 1);
	assert_pattern(got_udp.data[0], 0x11, 100);
	assert_int_equal(got_lite.count, 1);
	assert_pattern(got_lite.data[0], 0x22, 100);
	assert_int_equal(seen.count, 1);
	assert_int_equal(seen.len, 108);
	assert_int_equal(seen.cov, 8);
	assert_true(seen.sum_ok);

	udplite_send_raw(raw, &lo4, 4, true);
	udplite_send_raw(raw, &lo4, 33, true);
	udplite_send_raw(raw, &lo4, 0, false);
	udplite_send_raw(raw, &lo4, 12, true);  /* the good one */
	for (int i = 0; i < 10; i++)
		pump(1);
	assert_int_equal(got_lite.count, 2);
	assert_int_equal(got_lite.len[1], 24);
	assert_int_equal(got_udp.count, 1);

	raw_remove(raw);
	udp_remove(tx);
	udp_remove(lite2);
	udp_remove(lite);
	udp_remove(udp);
	for (int i = 0; i < 10; i++)
		pump(1000);
	assert_int_equal(heap_live, live);
	assert_int_equal(heap_bad_frees, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_hooks),
		cmocka_unit_test(test_loopback_up),
		cmocka_unit_test(test_tcp_loopback),
		cmocka_unit_test(test_tcp_fin_after_window_filling_data),
		cmocka_unit_test(test_tcp_fin_at_zero_window),
		cmocka_unit_test(test_tcp_rcv_wnd_max),
		cmocka_unit_test(test_udp_ipv6_loopback),
		cmocka_unit_test(test_udplite_loopback),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
