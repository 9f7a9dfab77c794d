/* The paravirtual NIC: the guest's ring library (net/nic_ring.c) against the monitor's ring
   processing (monitor/hc_net.c) over a byte array standing in for guest memory; hostile rings;
   the wake-up of SLEEP and POLL; the -p/--net parsers; and frames through a real libslirp. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include "monitor/hc.h"
#include "monitor/net.h"
#include "net/nic_ring.h"

#define MEM (1u << 20)
#define AREA 0x10000ull
#define ARG 0x3000ull           /* hypercall argument structs */
#define NTX 8u
#define NRX 8u
#define AREA_SIZE UNIK_NET_AREA_SIZE(NTX, NRX)

static uint8_t guest[MEM] __attribute__((aligned(4096)));
static struct hc_ctx ctx;
static struct nic_ring gr;      /* the guest's side */
static struct net_ring hr;      /* the monitor's side */

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static int setup(void **state)
{
	memset(guest, 0, sizeof(guest));
	memset(&ctx, 0, sizeof(ctx));
	memset(&hr, 0, sizeof(hr));
	ctx.mem.base = guest;
	ctx.mem.size = MEM;
	ctx.fd_in = ctx.fd_out = ctx.fd_err = -1;
	return 0;
}

static int teardown(void **state)
{
	net_ring_fini(&hr);
	return 0;
}

static struct unik_hc_net_setup setup_args(void)
{
	struct unik_hc_net_setup s;
	nic_ring_setup_args(&gr, &s);
	return s;
}

/* Both halves over the same area, indices starting at first. */
static void rings_at(uint32_t first)
{
	assert_int_equal(nic_ring_init(&gr, guest + AREA, AREA, AREA_SIZE, NTX, NRX, first), 0);
	struct unik_hc_net_setup s = setup_args();
	assert_int_equal(net_ring_init(&hr, &ctx.mem, &s), 0);
}

static void frame_fill(uint8_t *f, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(seed * 31 + i);
}

struct got {
	int n;
	size_t len[64];
	uint8_t data[64][UNIK_NET_BUF_SIZE];
};

static void deliver(void *c, const void *frame, size_t len)
{
	struct got *g = c;
	if (g->n < 64) {
		g->len[g->n] = len;
		memcpy(g->data[g->n], frame, len);
	}
	g->n++;
}

/* ---- (a) the protocol ---- */

static void test_tx_frames_arrive_in_order(void **state)
{
	rings_at(0);
	uint8_t f[UNIK_NET_FRAME_MAX], out[UNIK_NET_BUF_SIZE];
	size_t lens[3] = { 60, UNIK_NET_FRAME_MAX, UNIK_NET_FRAME_MIN };
	for (unsigned i = 0; i < 3; i++) {
		frame_fill(f, lens[i], i);
		assert_true(nic_ring_tx(&gr, f, lens[i]) >= 0);
	}
	assert_int_equal(nic_ring_tx_space(&gr), NTX - 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(net_ring_tx_next(&hr, out), (int)lens[i]);
		frame_fill(f, lens[i], i);
		assert_memory_equal(out, f, lens[i]);
	}
	assert_int_equal(net_ring_tx_next(&hr, out), 0);
	assert_int_equal(nic_ring_tx_space(&gr), NTX);
	assert_int_equal(gr.hdr->tx_frames, 3);
}

static void test_tx_full_and_bad_lengths(void **state)
{
	rings_at(0);
	uint8_t f[UNIK_NET_BUF_SIZE + 1] = { 0 }, out[UNIK_NET_BUF_SIZE];
	for (unsigned i = 0; i < NTX; i++)
		assert_int_equal(nic_ring_tx_queue(&gr, f, 64), 0);
	assert_int_equal(nic_ring_tx(&gr, f, 64), -EAGAIN);
	assert_int_equal(net_ring_tx_next(&hr, out), 64);
	assert_true(nic_ring_tx(&gr, f, 64) >= 0);
	assert_int_equal(nic_ring_tx(&gr, f, 0), -EINVAL);
	assert_int_equal(nic_ring_tx(&gr, f, UNIK_NET_FRAME_MAX + 1), -EINVAL);
}

static void test_rx_frames_reach_the_guest(void **state)
{
	rings_at(0);
	static struct got g;
	memset(&g, 0, sizeof(g));
	uint8_t f[UNIK_NET_FRAME_MAX];
	for (unsigned i = 0; i < 3; i++) {
		frame_fill(f, 100 + i, 7 + i);
		assert_int_equal(net_ring_rx_put(&hr, f, 100 + i, 1000 + i), 0);
	}
	/* Nothing shows before the monitor publishes. */
	assert_false(nic_ring_rx_pending(&gr));
	assert_false(net_ring_rx_publish(&hr));         /* no rx_wake: no wake-up */
	assert_true(nic_ring_rx_pending(&gr));
	assert_int_equal(nic_ring_rx(&gr, deliver, &g, 2), 2);     /* the budget holds */
	assert_int_equal(nic_ring_rx(&gr, deliver, &g, 64), 1);
	assert_int_equal(g.n, 3);
	for (unsigned i = 0; i < 3; i++) {
		frame_fill(f, 100 + i, 7 + i);
		assert_int_equal(g.len[i], 100 + i);
		assert_memory_equal(g.data[i], f, 100 + i);
	}
	assert_false(nic_ring_rx_pending(&gr));
	assert_int_equal(gr.hdr->rx_cons, 3);
}

static void test_rx_without_buffers_drops(void **state)
{
	rings_at(0);
	static struct got g;
	memset(&g, 0, sizeof(g));
	uint8_t f[64] = { 1 };
	for (unsigned i = 0; i < NRX; i++)
		assert_int_equal(net_ring_rx_put(&hr, f, sizeof(f), 0), 0);
	assert_int_equal(net_ring_rx_put(&hr, f, sizeof(f), 0), -ENOBUFS);
	assert_int_equal(gr.hdr->rx_dropped, 1);
	net_ring_rx_publish(&hr);
	assert_int_equal(nic_ring_rx(&gr, deliver, &g, 1), 1);     /* one buffer posted again */
	assert_int_equal(net_ring_rx_put(&hr, f, sizeof(f), 0), 0);
	assert_int_equal(net_ring_rx_put(&hr, f, sizeof(f), 0), -ENOBUFS);
	/* A frame the monitor should never pass on is refused without breaking the ring. */
	assert_int_equal(net_ring_rx_put(&hr, f, 2, 0), -EMSGSIZE);
	assert_int_equal(gr.hdr->status, UNIK_NET_STATUS_OK);
}

/* The free-running indices cross 2^32 in both rings, many times around each ring. */
static void test_indices_wrap(void **state)
{
	rings_at(0xfffffff0u);
	static struct got g;
	uint8_t f[200], out[UNIK_NET_BUF_SIZE];
	for (unsigned i = 0; i < 100; i++) {
		frame_fill(f, sizeof(f), i);
		assert_true(nic_ring_tx(&gr, f, 20 + i) >= 0);
		assert_int_equal(net_ring_tx_next(&hr, out), (int)(20 + i));
		assert_memory_equal(out, f, 20 + i);
		assert_int_equal(net_ring_rx_put(&hr, f, 30 + i, 0), 0);
		if (i % 3 == 2) {       /* in batches, so the rings hold several at the wrap */
			net_ring_rx_publish(&hr);
			memset(&g, 0, sizeof(g));
			assert_int_equal(nic_ring_rx(&gr, deliver, &g, 64), 3);
			for (int k = 0; k < 3; k++) {
				frame_fill(f, sizeof(f), i - 2 + (unsigned)k);
				assert_int_equal(g.len[k], 30 + i - 2 + (unsigned)k);
				assert_memory_equal(g.data[k], f, g.len[k]);
			}
		}
	}
	assert_true(gr.tx_prod < 0x100);        /* it did wrap */
	assert_int_equal(gr.hdr->status, UNIK_NET_STATUS_OK);
}

/* The guest kicks only when the net thread sleeps with tx_kick set. */
static void test_kick_flag(void **state)
{
	rings_at(0);
	uint8_t f[64] = { 0 }, out[UNIK_NET_BUF_SIZE];
	assert_int_equal(gr.hdr->tx_kick, 0);
	assert_int_equal(nic_ring_tx(&gr, f, 64), 0);           /* host awake: no kick */
	assert_false(net_ring_tx_arm(&hr));                     /* a frame waits: no sleep */
	assert_int_equal(gr.hdr->tx_kick, 0);
	assert_int_equal(net_ring_tx_next(&hr, out), 64);
	assert_true(net_ring_tx_arm(&hr));                      /* empty: may sleep */
	assert_int_equal(gr.hdr->tx_kick, 1);
	assert_int_equal(nic_ring_tx(&gr, f, 64), 1);           /* host asleep: kick */
	assert_int_equal(nic_ring_tx_queue(&gr, f, 64), 0);     /* a batch ... */
	assert_true(nic_ring_tx_kick_needed(&gr));              /* ... one check */
	net_ring_tx_disarm(&hr);                                /* woken */
	assert_int_equal(nic_ring_tx(&gr, f, 64), 0);
}

static void test_rx_wake_flag(void **state)
{
	rings_at(0);
	static struct got g;
	uint8_t f[64] = { 0 };
	assert_true(nic_ring_rx_arm(&gr));                      /* nothing here: block */
	assert_int_equal(gr.hdr->rx_wake, 1);
	assert_false(net_ring_wake_wanted(&hr));
	assert_int_equal(net_ring_rx_put(&hr, f, 64, 0), 0);
	assert_true(net_ring_rx_publish(&hr));                  /* armed: wake the vCPU */
	assert_true(net_ring_wake_wanted(&hr));
	nic_ring_rx_disarm(&gr);
	assert_false(net_ring_wake_wanted(&hr));
	assert_false(nic_ring_rx_arm(&gr));                     /* frames here: don't block */
	assert_int_equal(gr.hdr->rx_wake, 0);
	assert_int_equal(nic_ring_rx(&gr, deliver, &g, 64), 1);
	assert_int_equal(net_ring_rx_put(&hr, f, 64, 0), 0);
	assert_false(net_ring_rx_publish(&hr));                 /* not armed: no wake-up */
}

/* The watchdog's question: frames left unclaimed, and since when. */
static void test_rx_unclaimed(void **state)
{
	rings_at(0);
	static struct got g;
	uint8_t f[64] = { 0 };
	int64_t since;
	assert_false(net_ring_rx_unclaimed(&hr, &since));
	assert_int_equal(net_ring_rx_put(&hr, f, 64, 1000), 0);
	assert_false(net_ring_rx_unclaimed(&hr, &since));       /* not published yet */
	net_ring_rx_publish(&hr);
	assert_int_equal(net_ring_rx_put(&hr, f, 64, 2000), 0);
	net_ring_rx_publish(&hr);
	assert_true(net_ring_rx_unclaimed(&hr, &since));
	assert_int_equal(since, 1000);
	assert_int_equal(nic_ring_rx(&gr, deliver, &g, 1), 1);
	assert_true(net_ring_rx_unclaimed(&hr, &since));
	assert_int_equal(since, 2000);
	assert_int_equal(nic_ring_rx(&gr, deliver, &g, 1), 1);
	assert_false(net_ring_rx_unclaimed(&hr, &since));
	gr.hdr->rx_cons = 12345;                                /* nonsense: no crash */
	assert_true(net_ring_rx_unclaimed(&hr, &since));
}

/* ---- SLEEP and POLL end early for frames (a NIC made by hand: no backend thread) ---- */

static struct net *fake_nic(void)
{
	struct net_config c = { .mode = NET_SLIRP };
	int st;
	struct net *n = net_new(&c, &st);
	assert_non_null(n);
	assert_int_equal(nic_ring_init(&gr, guest + AREA, AREA, AREA_SIZE, NTX, NRX, 0), 0);
	struct unik_hc_net_setup s = setup_args();
	assert_int_equal(net_ring_init(&n->ring, &ctx.mem, &s), 0);
	n->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	assert_true(n->wake_fd > 2);
	n->ready = true;
	ctx.net = n;
	ctx.wake_fd = n->wake_fd;
	return n;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t sleep_call(int64_t ns)
{
	struct unik_hc_sleep s = { .ns = ns, .ret = 77 };
	memcpy(guest + ARG, &s, sizeof(s));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_SLEEP, ARG), HC_OK);
	memcpy(&s, guest + ARG, sizeof(s));
	return s.ret;
}

static void *late_frame(void *arg)
{
	struct net *n = arg;
	uint8_t f[64] = { 0 };
	usleep(50000);
	net_rx_frame(n, f, sizeof(f));
	net_rx_flush(n);
	return NULL;
}

static void test_sleep_ends_for_frames(void **state)
{
	struct net *n = fake_nic();
	static struct got g;
	/* Not armed: frames do not cut a sleep short. */
	uint8_t f[64] = { 0 };
	net_rx_frame(n, f, sizeof(f));
	net_rx_flush(n);
	int64_t t0 = now_ms();
	assert_int_equal(sleep_call(60 * 1000000ll), 0);
	assert_true(now_ms() - t0 >= 55);
	/* Armed with frames already there: at once. */
	gr.hdr->rx_wake = 1;
	t0 = now_ms();
	assert_int_equal(sleep_call(5000 * 1000000ll), UNIK_HC_WAKE_NET);
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(nic_ring_rx(&gr, deliver, &g, 64), 1);
	/* Armed, a frame comes 50 ms into a 5 s sleep. */
	assert_true(nic_ring_rx_arm(&gr));
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, late_frame, n), 0);
	t0 = now_ms();
	assert_int_equal(sleep_call(5000 * 1000000ll), UNIK_HC_WAKE_NET);
	assert_true(now_ms() - t0 < 2000);
	pthread_join(t, NULL);
	nic_ring_rx_disarm(&gr);
	assert_int_equal(nic_ring_rx(&gr, deliver, &g, 64), 1);
	/* The wake fd was emptied: the next sleep is a whole one. */
	t0 = now_ms();
	assert_int_equal(sleep_call(30 * 1000000ll), 0);
	assert_true(now_ms() - t0 >= 25);
	net_free(n);
	ctx.net = NULL;
}

static void test_poll_ends_for_frames(void **state)
{
	struct net *n = fake_nic();
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	ctx.fd_in = pfd[0];
	assert_true(nic_ring_rx_arm(&gr));
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, late_frame, n), 0);
	struct unik_hc_poll p = { .timeout_ns = 5000 * 1000000ll, .events = { POLLIN, 0, 0 } };
	memcpy(guest + ARG, &p, sizeof(p));
	int64_t t0 = now_ms();
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_POLL, ARG), HC_OK);
	assert_true(now_ms() - t0 < 2000);
	pthread_join(t, NULL);
	memcpy(&p, guest + ARG, sizeof(p));
	assert_int_equal(p.ret, UNIK_HC_WAKE_NET);              /* no fd ready, the NIC woke it */
	assert_int_equal(p.revents[0], 0);
	/* Console input and frames together: the count and the flag. */
	assert_int_equal(write(pfd[1], "x", 1), 1);
	memcpy(guest + ARG, &p, sizeof(p));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_POLL, ARG), HC_OK);
	memcpy(&p, guest + ARG, sizeof(p));
	assert_int_equal(p.ret, 1 | UNIK_HC_WAKE_NET);
	assert_int_equal(p.revents[0], POLLIN);
	nic_ring_rx_disarm(&gr);
	memcpy(guest + ARG, &p, sizeof(p));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_POLL, ARG), HC_OK);
	memcpy(&p, guest + ARG, sizeof(p));
	assert_int_equal(p.ret, 1);                             /* disarmed: the console only */
	close(pfd[0]);
	close(pfd[1]);
	net_free(n);
	ctx.net = NULL;
}

static void test_watchdog_question(void **state)
{
	struct net *n = fake_nic();
	assert_false(net_rx_stalled(NULL, 0, 0));
	assert_false(net_rx_stalled(n, 1000000000, 1000));      /* no thread yet: never */
	n->thread_started = true;
	uint8_t f[64] = { 0 };
	assert_int_equal(net_ring_rx_put(&n->ring, f, 64, 5000), 0);
	net_ring_rx_publish(&n->ring);
	assert_false(net_rx_stalled(n, 5500, 1000));
	assert_true(net_rx_stalled(n, 7000, 1000));
	n->thread_started = false;
	net_free(n);
	ctx.net = NULL;
}

/* ---- (b) hostile guests ---- */

static int64_t setup_call(const struct unik_hc_net_setup *s, enum hc_result want)
{
	struct unik_hc_net_setup a = *s;
	a.ret = 77;
	memcpy(guest + ARG, &a, sizeof(a));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_NET_SETUP, ARG), want);
	memcpy(&a, guest + ARG, sizeof(a));
	return a.ret;
}

static void test_setup_rejects_bad_geometry(void **state)
{
	struct net_config c = { .mode = NET_SLIRP };
	int st;
	struct unik_hc_net_setup good = { .area = AREA, .size = AREA_SIZE, .tx_slots = NTX,
					  .rx_slots = NRX }, s;
	assert_int_equal(setup_call(&good, HC_OK), -ENODEV);    /* --net none */
	ctx.net = net_new(&c, &st);
	assert_non_null(ctx.net);
	s = good, s.area = AREA + 8;
	assert_int_equal(setup_call(&s, HC_OK), -EINVAL);
	s = good, s.size = AREA_SIZE - 4096;
	assert_int_equal(setup_call(&s, HC_OK), -EINVAL);
	s = good, s.size = AREA_SIZE + 1;
	assert_int_equal(setup_call(&s, HC_OK), -EINVAL);
	uint32_t bad_slots[] = { 0, 1, 3, 12, UNIK_NET_SLOTS_MAX * 2, UINT32_MAX };
	for (size_t i = 0; i < sizeof(bad_slots) / sizeof(bad_slots[0]); i++) {
		s = good, s.tx_slots = bad_slots[i];
		assert_int_equal(setup_call(&s, HC_OK), -EINVAL);
		s = good, s.rx_slots = bad_slots[i];
		assert_int_equal(setup_call(&s, HC_OK), -EINVAL);
	}
	s = good, s.area = MEM;                                 /* beyond guest memory */
	assert_int_equal(setup_call(&s, HC_OK), -EFAULT);
	s = good, s.area = MEM - 4096;                          /* runs past its end */
	assert_int_equal(setup_call(&s, HC_OK), -EFAULT);
	s = good, s.area = UINT64_MAX & ~4095ull;               /* area + size wraps */
	assert_int_equal(setup_call(&s, HC_OK), -EFAULT);
	s = good, s.size = UINT64_MAX & ~4095ull;
	assert_int_equal(setup_call(&s, HC_OK), -EFAULT);
	s = good, s.area = 0;                                   /* page 0 and the boot info */
	assert_int_equal(setup_call(&s, HC_OK), -EFAULT);
	s = good, s.area = UNIK_BOOT_INFO_GPA;
	assert_int_equal(setup_call(&s, HC_OK), -EFAULT);
	/* RX buffers posted past a ring's worth before the call. */
	assert_int_equal(nic_ring_init(&gr, guest + AREA, AREA, AREA_SIZE, NTX, NRX, 0), 0);
	gr.hdr->rx_avail = NRX + 1;
	assert_int_equal(setup_call(&good, HC_OK), -EINVAL);
	/* The argument itself outside guest memory: a malformed call. */
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_NET_SETUP, MEM - 8), HC_BAD);
	/* Kicks before the set-up, and without a NIC, are malformed. */
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_NET_KICK, 0), HC_BAD);
	net_free(ctx.net);
	ctx.net = NULL;
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_NET_KICK, 0), HC_BAD);
}

static int64_t publish_call(uint32_t proto, uint32_t port, uint32_t families, uint32_t pad)
{
	struct unik_hc_net_publish p = { .proto = proto, .port = port, .families = families,
					 ._pad = pad, .ret = 77 };
	memcpy(guest + ARG, &p, sizeof(p));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_NET_PUBLISH, ARG), HC_OK);
	memcpy(&p, guest + ARG, sizeof(p));
	return p.ret;
}

/* UNIK_HC_NET_PUBLISH: every field is checked, and a NIC that did not ask refuses the call;
   none of it stops the VM, only an argument outside guest memory does. */
static void test_publish_rejects_bad_requests(void **state)
{
	assert_int_equal(publish_call(6, 8080, UNIK_NET_PUBLISH_V4, 0), -ENODEV);  /* no NIC */
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_NET_PUBLISH, MEM - 8), HC_BAD);
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_NET_PUBLISH, UINT64_MAX - 4), HC_BAD);
	struct net *n = fake_nic();                     /* slirp without --publish-listening */
	struct unik_net_info ni;
	net_boot_info(n, &ni);
	assert_false(ni.flags & UNIK_NET_PUBLISH);
	assert_int_equal(publish_call(6, 8080, UNIK_NET_PUBLISH_V4, 0), -EOPNOTSUPP);
	n->cfg.publish_listening = true;
	net_boot_info(n, &ni);
	assert_true(ni.flags & UNIK_NET_PUBLISH);
	static const uint32_t bad[][4] = {
		{ 0, 80, 1, 0 }, { 1, 80, 1, 0 }, { 7, 80, 1, 0 }, { 255, 80, 1, 0 },
		{ UINT32_MAX, 80, 1, 0 }, { 6, 0, 1, 0 }, { 17, 0, 0, 0 }, { 6, 65536, 1, 0 },
		{ 6, UINT32_MAX, 1, 0 }, { 6, 80, 4, 0 }, { 17, 80, UINT32_MAX, 0 },
		{ 6, 80, 1, 1 }, { 6, 80, 0, UINT32_MAX },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(publish_call(bad[i][0], bad[i][1], bad[i][2], bad[i][3]), -EINVAL);
	n->ready = false;                               /* NET_SETUP not called yet */
	assert_int_equal(publish_call(6, 8080, UNIK_NET_PUBLISH_V4, 0), -ENOTCONN);
	n->ready = true;
	n->thread_done = 1;                             /* the net thread has stopped */
	assert_int_equal(publish_call(6, 8080, UNIK_NET_PUBLISH_V4, 0), -EIO);
	n->cfg.mode = NET_TAP;                          /* tap ignores the option */
	net_boot_info(n, &ni);
	assert_false(ni.flags & UNIK_NET_PUBLISH);
	assert_int_equal(publish_call(6, 8080, UNIK_NET_PUBLISH_V4, 0), -EOPNOTSUPP);
	n->cfg.mode = NET_SLIRP;
	close(n->wake_fd);
	n->wake_fd = -1;
	net_free(n);
	ctx.net = NULL;
}

/* Each bad TX descriptor breaks the ring: -EPROTO, the status says so, and it stays broken. */
static void bad_tx_desc(uint64_t addr, uint32_t len)
{
	uint8_t out[UNIK_NET_BUF_SIZE];
	teardown(NULL);
	setup(NULL);
	rings_at(0);
	uint8_t f[64] = { 0 };
	assert_int_equal(nic_ring_tx_queue(&gr, f, sizeof(f)), 0);
	gr.txd[0].addr = addr;
	gr.txd[0].len = len;
	assert_int_equal(net_ring_tx_next(&hr, out), -EPROTO);
	assert_int_equal(gr.hdr->status, UNIK_NET_STATUS_FAILED);
	assert_true(nic_ring_failed(&gr));
	assert_true(hr.err[0] != 0);
	gr.txd[0].addr = AREA + UNIK_NET_BUF_OFF(NTX, NRX);       /* repaired: still broken */
	gr.txd[0].len = 64;
	assert_int_equal(net_ring_tx_next(&hr, out), -EPROTO);
	assert_int_equal(net_ring_rx_put(&hr, f, 64, 0), -EPROTO);
}

static void test_hostile_tx_descriptors(void **state)
{
	uint64_t buf0 = AREA + UNIK_NET_BUF_OFF(NTX, NRX), end = AREA + AREA_SIZE;
	bad_tx_desc(0, 64);
	bad_tx_desc(UNIK_BOOT_INFO_GPA, 64);                    /* the boot info */
	bad_tx_desc(AREA, 64);                                  /* the header */
	bad_tx_desc(AREA + UNIK_NET_DESC_OFF, 64);              /* the descriptors */
	bad_tx_desc(buf0 - 1, 64);
	bad_tx_desc(end - UNIK_NET_BUF_SIZE + 1, 64);           /* crosses the area's end */
	bad_tx_desc(end, 64);
	bad_tx_desc(MEM - 64, 64);
	bad_tx_desc(MEM, 64);
	bad_tx_desc(UINT64_MAX, 64);
	bad_tx_desc(UINT64_MAX - 63, 64);
	bad_tx_desc(buf0, 0);
	bad_tx_desc(buf0, UNIK_NET_FRAME_MIN - 1);
	bad_tx_desc(buf0, UNIK_NET_FRAME_MAX + 1);
	bad_tx_desc(buf0, UNIK_NET_BUF_SIZE + 1);
	bad_tx_desc(buf0, UINT32_MAX);
}

static void test_hostile_indices(void **state)
{
	uint8_t out[UNIK_NET_BUF_SIZE], f[64] = { 0 };
	rings_at(0);
	gr.hdr->tx_prod = NTX + 1;                              /* more than a ring ahead */
	assert_int_equal(net_ring_tx_next(&hr, out), -EPROTO);
	assert_int_equal(gr.hdr->status, UNIK_NET_STATUS_FAILED);
	assert_non_null(strstr(hr.err, "ahead"));
	teardown(NULL);
	setup(NULL);
	rings_at(100);
	gr.hdr->tx_prod = 99;                                   /* backwards: 2^32 - 1 ahead */
	assert_int_equal(net_ring_tx_next(&hr, out), -EPROTO);
	assert_non_null(strstr(hr.err, "ahead"));
	teardown(NULL);
	setup(NULL);
	rings_at(0);
	gr.hdr->rx_avail = NRX * 3;                             /* RX buffers out of nowhere */
	assert_int_equal(net_ring_rx_put(&hr, f, 64, 0), -EPROTO);
	assert_non_null(strstr(hr.err, "ahead"));
	teardown(NULL);
	setup(NULL);
	rings_at(0);
	gr.rxd[0].addr = UNIK_BOOT_INFO_GPA;                    /* RX into the boot info */
	assert_int_equal(net_ring_rx_put(&hr, f, 64, 0), -EPROTO);
	for (size_t i = 0; i < 4096; i++)
		assert_int_equal(guest[UNIK_BOOT_INFO_GPA + i], 0);
	teardown(NULL);
	setup(NULL);
	rings_at(0);
	gr.rxd[0].addr = UINT64_MAX - 10;
	assert_int_equal(net_ring_rx_put(&hr, f, 64, 0), -EPROTO);
	/* Exactly a ring ahead is fine. */
	teardown(NULL);
	setup(NULL);
	rings_at(0);
	for (unsigned i = 0; i < NTX; i++)
		assert_int_equal(nic_ring_tx_queue(&gr, f, 64), 0);
	for (unsigned i = 0; i < NTX; i++)
		assert_int_equal(net_ring_tx_next(&hr, out), 64);
}

/* Garbage written into the header and descriptors at random: never a crash, never a write
   outside the area's buffers and RX descriptors. */
static void test_hostile_fuzz(void **state)
{
	uint8_t out[UNIK_NET_BUF_SIZE], f[UNIK_NET_FRAME_MAX] = { 0 };
	static uint8_t before[MEM];
	uint64_t x = 88172645463325252ull;
	for (int round = 0; round < 300; round++) {
		teardown(NULL);
		setup(NULL);
		rings_at((uint32_t)x);
		memcpy(before, guest, MEM);
		for (int k = 0; k < 40; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			size_t off = x % (UNIK_NET_DESC_OFF + 16 * (NTX + NRX));
			if (off >= 64 && off < 128)
				continue;                       /* the monitor's own fields */
			guest[AREA + off] = (uint8_t)(x >> 32);
			if (x & 1)
				net_ring_tx_next(&hr, out);
			else
				net_ring_rx_put(&hr, f, 14 + (x >> 40) % 1500, 0);
			net_ring_rx_publish(&hr);
			net_ring_tx_arm(&hr);
		}
		/* Outside the area nothing changed. */
		assert_memory_equal(guest, before, AREA);
		assert_memory_equal(guest + AREA + AREA_SIZE, before + AREA + AREA_SIZE,
				    MEM - AREA - AREA_SIZE);
	}
}

/* ---- options ---- */

static void test_parse_publish(void **state)
{
	static struct net_config c;
	memset(&c, 0, sizeof(c));
	assert_int_equal(net_parse_publish("8080:80", &c), 0);
	assert_int_equal(c.fwd[0].host_lo, 8080);
	assert_int_equal(c.fwd[0].guest_lo, 80);
	assert_false(c.fwd[0].udp);
	assert_int_equal(c.fwd[0].host_ip, 0);
	assert_int_equal(net_parse_publish("127.0.0.1:53:5353/udp", &c), 0);
	assert_true(c.fwd[1].udp);
	assert_int_equal(c.fwd[1].host_ip, htonl(0x7f000001));
	assert_int_equal(c.fwd[1].host_lo, 53);
	assert_int_equal(c.fwd[1].guest_lo, 5353);
	assert_int_equal(net_parse_publish("127.0.0.1::80", &c), 0);
	assert_int_equal(c.fwd[2].host_lo, 0);
	assert_int_equal(net_parse_publish("80/tcp", &c), 0);
	assert_int_equal(c.fwd[3].host_lo, 0);
	assert_int_equal(c.fwd[3].guest_lo, 80);
	assert_int_equal(net_parse_publish("8000-8002:80-82", &c), 0);
	assert_int_equal(c.fwd[4].host_hi, 8002);
	assert_int_equal(c.fwd[4].guest_hi, 82);
	assert_int_equal(net_parse_publish("8000-8009:80", &c), 0);
	assert_int_equal(c.nfwd, 6);
	const char *bad[] = { "", "abc", "80:", ":80", "0:80", "80:0", "65536:80", "80:65536",
			      "8080:80/sctp", "8080:80/icmp", "8080:80/", "1.2.3:80:80",
			      "[::1]:80:80", "::1:80:80", "a:b:c:d", "8000-8001:80-82", "81-80:80",
			      "1-2000:1-2000", "80:-1", "1.2.3.4:80", "8080:80 ", "+80:80" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("bad spec '%s'\n", bad[i]);
		assert_int_equal(net_parse_publish(bad[i], &c), 125);
	}
	assert_int_equal(c.nfwd, 6);
}

static void test_parse_mode(void **state)
{
	static struct net_config c;
	memset(&c, 0, sizeof(c));
	assert_int_equal(net_parse_mode("none", &c), 0);
	assert_int_equal(c.mode, NET_NONE);
	assert_int_equal(net_parse_mode("tap:tap0", &c), 0);
	assert_int_equal(c.mode, NET_TAP);
	assert_string_equal(c.tap_name, "tap0");
	assert_int_equal(net_parse_mode("slirp", &c), 0);
	assert_int_equal(c.mode, NET_SLIRP);
	assert_int_equal(net_parse_mode("host", &c), 125);
	assert_int_equal(net_parse_mode("tap:", &c), 125);
	assert_int_equal(net_parse_mode("tap:waytoolonginterfacename", &c), 125);
	assert_int_equal(net_parse_mode("tap:a/b", &c), 125);
	assert_int_equal(net_parse_mode("slirpp", &c), 125);
}

static void test_boot_info(void **state)
{
	struct net_config c = { .mode = NET_SLIRP };
	struct unik_net_info ni;
	int st;
	net_boot_info(NULL, &ni);
	assert_int_equal(ni.flags, 0);
	struct net *n = net_new(&c, &st);
	net_boot_info(n, &ni);
	assert_int_equal(ni.flags, UNIK_NET_PRESENT | UNIK_NET_IPV4 | UNIK_NET_IPV6);
	assert_memory_equal(ni.mac, guest_mac, 6);
	assert_memory_equal(ni.ip4, ((uint8_t[]){ 10, 0, 2, 15 }), 4);
	assert_memory_equal(ni.gw4, ((uint8_t[]){ 10, 0, 2, 2 }), 4);
	assert_memory_equal(ni.dns4, ((uint8_t[]){ 10, 0, 2, 3 }), 4);
	assert_int_equal(ni.prefix4, 24);
	assert_int_equal(ni.mtu, 1500);
	struct in6_addr a6;
	inet_pton(AF_INET6, "fec0::5054:ff:fe12:3456", &a6);
	assert_memory_equal(ni.ip6, &a6, 16);
	inet_pton(AF_INET6, "fec0::3", &a6);
	assert_memory_equal(ni.dns6, &a6, 16);
	net_free(n);
	/* --net none has no NIC; a tap that cannot be had is unik's error. */
	c.mode = NET_NONE;
	assert_null(net_new(&c, &st));
	assert_int_equal(st, 0);
	c.mode = NET_TAP;
	strcpy(c.tap_name, "lo");       /* not a tap device (or no right to it, or no tun) */
	assert_null(net_new(&c, &st));
	assert_int_equal(st, 125);
}

/* A tap's IPv4 configuration: ip= and gw= as given, or none and DHCP's to get. */
static void test_boot_info_tap(void **state)
{
	struct net tap = { .cfg = { .mode = NET_TAP, .tap_name = "t0" },
			   .mac = { 0x02, 1, 2, 3, 4, 5 } };
	struct unik_net_info ni;
	net_boot_info(&tap, &ni);
	assert_int_equal(ni.flags, UNIK_NET_PRESENT | UNIK_NET_DHCP4);
	assert_memory_equal(ni.mac, tap.mac, 6);
	assert_memory_equal(ni.ip4, ((uint8_t[]){ 0, 0, 0, 0 }), 4);
	assert_int_equal(ni.mtu, 1500);
	assert_int_equal(net_parse_mode("tap:t0,ip=10.1.2.3/24,gw=10.1.2.1,dns=10.1.2.53",
					&tap.cfg), 0);
	net_boot_info(&tap, &ni);
	assert_int_equal(ni.flags, UNIK_NET_PRESENT | UNIK_NET_IPV4);
	assert_memory_equal(ni.ip4, ((uint8_t[]){ 10, 1, 2, 3 }), 4);
	assert_memory_equal(ni.gw4, ((uint8_t[]){ 10, 1, 2, 1 }), 4);
	assert_memory_equal(ni.dns4, ((uint8_t[]){ 10, 1, 2, 53 }), 4);
	assert_int_equal(ni.prefix4, 24);
	struct net_config c = { 0 };
	assert_int_equal(net_parse_mode("tap:t0,dns=10.1.2.53", &c), 125);
	assert_int_equal(net_parse_mode("tap:t0,ip=10.1.2.3/24,dns=10.1.2", &c), 125);
}

/* ---- (c) frames through a real libslirp ---- */

static uint16_t csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static const uint8_t ip_guest[4] = { 10, 0, 2, 15 }, ip_host[4] = { 10, 0, 2, 2 };

static size_t arp_request(uint8_t *f)
{
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, guest_mac, 6);
	put16(f + 12, 0x0806);
	put16(f + 14, 1);                       /* Ethernet */
	put16(f + 16, 0x0800);                  /* IPv4 */
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, 1);                       /* request */
	memcpy(f + 22, guest_mac, 6);
	memcpy(f + 28, ip_guest, 4);
	memcpy(f + 38, ip_host, 4);
	return 60;
}

static size_t icmp_echo(uint8_t *f, const uint8_t dst_mac[6])
{
	memset(f, 0, 128);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, guest_mac, 6);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + 14, *ic = ip + 20;
	size_t icmp_len = 8 + 32;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + icmp_len));
	put16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = 1;                              /* ICMP */
	memcpy(ip + 12, ip_guest, 4);
	memcpy(ip + 16, ip_host, 4);
	put16(ip + 10, csum(ip, 20));
	ic[0] = 8;                              /* echo request */
	put16(ic + 4, 0xbeef);                  /* id */
	put16(ic + 6, 7);                       /* sequence */
	for (int i = 0; i < 32; i++)
		ic[8 + i] = (uint8_t)('a' + i % 26);
	put16(ic + 2, csum(ic, icmp_len));
	return 14 + 20 + icmp_len;
}

static void guest_send(const uint8_t *f, size_t len)
{
	int k = nic_ring_tx(&gr, f, len);
	assert_true(k >= 0);
	if (k)
		assert_int_equal(hc_dispatch(&ctx, UNIK_HC_NET_KICK, 0), HC_OK);
}

/* The guest's idle loop: take frames, else arm and sleep until one comes (at most ~3 s). Returns
   the first frame of the given ethertype. */
static size_t guest_wait_frame(uint16_t type, uint8_t *out)
{
	static struct got g;
	int64_t end = now_ms() + 3000;
	while (now_ms() < end) {
		memset(&g, 0, sizeof(g));
		if (nic_ring_rx_arm(&gr)) {
			int64_t r = sleep_call(500 * 1000000ll);
			nic_ring_rx_disarm(&gr);
			assert_true(r == 0 || r == UNIK_HC_WAKE_NET);
		}
		nic_ring_rx(&gr, deliver, &g, 64);
		for (int i = 0; i < g.n && i < 64; i++)
			if (g.len[i] >= 14 && get16(g.data[i] + 12) == type) {
				memcpy(out, g.data[i], g.len[i]);
				return g.len[i];
			}
	}
	return 0;
}

static void test_slirp_arp_and_ping(void **state)
{
	struct net_config c = { .mode = NET_SLIRP };
	int st;
	ctx.net = net_new(&c, &st);
	assert_non_null(ctx.net);
	assert_int_equal(nic_ring_init(&gr, guest + AREA, AREA, AREA_SIZE, NTX, NRX, 0), 0);
	struct unik_hc_net_setup s = setup_args();
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(setup_call(&s, HC_OK), 0);     /* loads libslirp, starts the thread */
	clock_gettime(CLOCK_MONOTONIC, &b);
	print_message("NET_SETUP with slirp: %.3f ms\n",
		      (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
	assert_true(ctx.wake_fd > 2);
	assert_int_equal(setup_call(&s, HC_OK), -EBUSY);

	uint8_t f[UNIK_NET_BUF_SIZE], r[UNIK_NET_BUF_SIZE];
	/* Once the net thread sleeps it asks for a kick, and the guest's send says so. */
	int64_t end = now_ms() + 2000;
	while (!gr.hdr->tx_kick && now_ms() < end)
		usleep(1000);
	assert_int_equal(nic_ring_tx(&gr, f, arp_request(f)), 1);
	int64_t t0 = now_ms();
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_NET_KICK, 0), HC_OK);
	size_t n = guest_wait_frame(0x0806, r);
	assert_true(n >= 42);
	print_message("ARP round trip through slirp: %lld ms\n", (long long)(now_ms() - t0));
	assert_memory_equal(r, guest_mac, 6);                   /* to us */
	assert_int_equal(get16(r + 20), 2);                     /* an ARP reply */
	assert_memory_equal(r + 28, ip_host, 4);                /* 10.0.2.2 is at ... */
	assert_memory_equal(r + 32, guest_mac, 6);
	assert_memory_equal(r + 38, ip_guest, 4);
	uint8_t host_mac[6];
	memcpy(host_mac, r + 22, 6);
	assert_memory_equal(r + 6, host_mac, 6);

	guest_send(f, icmp_echo(f, host_mac));
	n = guest_wait_frame(0x0800, r);
	assert_true(n >= 14 + 20 + 40);
	const uint8_t *ip = r + 14, *ic = ip + (ip[0] & 15) * 4;
	assert_int_equal(ip[9], 1);
	assert_memory_equal(ip + 12, ip_host, 4);
	assert_memory_equal(ip + 16, ip_guest, 4);
	assert_int_equal(ic[0], 0);                             /* echo reply */
	assert_int_equal(get16(ic + 4), 0xbeef);
	assert_int_equal(get16(ic + 6), 7);
	assert_memory_equal(ic + 8, f + 14 + 20 + 8, 32);
	assert_int_equal(csum(ic, get16(ip + 2) - (ip[0] & 15) * 4u), 0);
	assert_int_equal(gr.hdr->tx_frames, 2);
	assert_false(net_failed(ctx.net));
	net_free(ctx.net);
	ctx.net = NULL;
}

/* A guest that breaks its ring under a running net thread: the NIC stops, the VM is told. */
static void test_slirp_broken_ring_stops(void **state)
{
	struct net_config c = { .mode = NET_SLIRP };
	int st;
	ctx.net = net_new(&c, &st);
	assert_non_null(ctx.net);
	assert_int_equal(nic_ring_init(&gr, guest + AREA, AREA, AREA_SIZE, NTX, NRX, 0), 0);
	struct unik_hc_net_setup s = setup_args();
	assert_int_equal(setup_call(&s, HC_OK), 0);
	uint8_t f[64] = { 0 };
	assert_true(nic_ring_tx_queue(&gr, f, sizeof(f)) == 0);
	gr.txd[0].addr = UNIK_BOOT_INFO_GPA;
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_NET_KICK, 0), HC_OK);
	int64_t end = now_ms() + 3000;
	while (!net_failed(ctx.net) && now_ms() < end)
		usleep(1000);
	assert_true(net_failed(ctx.net));
	assert_true(nic_ring_failed(&gr));
	assert_int_equal(hc_dispatch(&ctx, UNIK_HC_NET_KICK, 0), HC_BAD);
	assert_int_equal(sleep_call(5000 * 1000000ll), UNIK_HC_WAKE_NET);  /* SLEEP ends at once */
	net_free(ctx.net);
	ctx.net = NULL;
}

/* -p binds at start-up: a taken port is unik's error (125), a free one listens. */
static void test_slirp_publish_binds(void **state)
{
	int busy = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t alen = sizeof(a);
	assert_int_equal(bind(busy, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(busy, 1), 0);
	assert_int_equal(getsockname(busy, (struct sockaddr *)&a, &alen), 0);
	static struct net_config c;
	memset(&c, 0, sizeof(c));
	char spec[64];
	snprintf(spec, sizeof(spec), "127.0.0.1:%u:80", ntohs(a.sin_port));
	assert_int_equal(net_parse_publish(spec, &c), 0);
	int st;
	assert_null(net_new(&c, &st));
	assert_int_equal(st, 125);
	close(busy);
	/* Now free: slirp listens on it. */
	struct net *n = net_new(&c, &st);
	assert_non_null(n);
	assert_int_equal(st, 0);
	int cl = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(cl, (struct sockaddr *)&a, sizeof(a)), 0);
	close(cl);
	net_free(n);
}

static bool tcp_connects(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(0x7f000001) };
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* A host socket bound to 0.0.0.0:port (TCP listening, or UDP); -1 when the port is taken. TCP
   with SO_REUSEADDR, as servers do: connections slirp accepted on the port may linger. */
static int host_bind(bool udp, uint16_t port)
{
	int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0), on = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (!udp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || (!udp && listen(fd, 1))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A port free on the host now, for both protocols. */
static uint16_t free_host_port(void)
{
	for (int tries = 0; tries < 100; tries++) {
		int fd = host_bind(false, 0);
		struct sockaddr_in a;
		socklen_t alen = sizeof(a);
		assert_true(fd >= 0);
		assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
		close(fd);
		int u = host_bind(true, ntohs(a.sin_port));
		if (u >= 0) {
			close(u);
			return ntohs(a.sin_port);
		}
	}
	fail_msg("no free port");
	return 0;
}

/* --publish-listening through a real libslirp: the host's port opens when the guest says it
   listens and closes when it says it stopped; a taken port is an error result (and a line on
   stderr); a port a -p already forwards is left alone. */
static void test_slirp_publish_listening(void **state)
{
	static struct net_config c;
	memset(&c, 0, sizeof(c));
	c.mode = NET_SLIRP;
	c.publish_listening = true;
	uint16_t port = free_host_port(), covered = free_host_port();
	char spec[32];
	snprintf(spec, sizeof(spec), "127.0.0.1:%u:%u", covered, covered);
	assert_int_equal(net_parse_publish(spec, &c), 0);
	int st;
	ctx.net = net_new(&c, &st);
	assert_non_null(ctx.net);
	assert_int_equal(nic_ring_init(&gr, guest + AREA, AREA, AREA_SIZE, NTX, NRX, 0), 0);
	struct unik_hc_net_setup s = setup_args();
	assert_int_equal(setup_call(&s, HC_OK), 0);
	assert_false(tcp_connects(port));
	assert_int_equal(publish_call(6, port, UNIK_NET_PUBLISH_V4, 0), 0);
	assert_true(tcp_connects(port));                /* slirp accepts for the guest */
	assert_int_equal(publish_call(6, port, UNIK_NET_PUBLISH_V4, 0), 0);  /* no change */
	assert_int_equal(publish_call(6, port, UNIK_NET_PUBLISH_V4 | UNIK_NET_PUBLISH_V6, 0), 0);
	assert_int_equal(publish_call(6, port, UNIK_NET_PUBLISH_V6, 0), 0);  /* v4 withdrawn */
	assert_false(tcp_connects(port));
	assert_int_equal(publish_call(6, port, UNIK_NET_PUBLISH_V4, 0), 0);
	assert_true(tcp_connects(port));
	assert_int_equal(publish_call(6, port, 0, 0), 0);
	assert_false(tcp_connects(port));
	int fd = host_bind(false, port);                /* the port is the host's again */
	assert_true(fd >= 0);
	assert_int_equal(publish_call(6, port, UNIK_NET_PUBLISH_V4, 0), -EADDRINUSE);
	close(fd);
	assert_int_equal(publish_call(6, port, 0, 0), 0);       /* nothing to take back */
	/* UDP: the host's port is slirp's while published. */
	assert_int_equal(publish_call(17, port, UNIK_NET_PUBLISH_V4, 0), 0);
	assert_int_equal(host_bind(true, port), -1);
	assert_int_equal(publish_call(17, port, 0, 0), 0);
	fd = host_bind(true, port);
	assert_true(fd >= 0);
	close(fd);
	/* The user's -p has this one (on 127.0.0.1): nothing more is bound, nothing taken back. */
	assert_int_equal(publish_call(6, covered, UNIK_NET_PUBLISH_V4, 0), 0);
	assert_int_equal(publish_call(6, covered, 0, 0), 0);
	assert_true(tcp_connects(covered));
	assert_false(net_failed(ctx.net));
	net_free(ctx.net);
	ctx.net = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tx_frames_arrive_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_full_and_bad_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_frames_reach_the_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_without_buffers_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indices_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kick_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_wake_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_unclaimed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sleep_ends_for_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_ends_for_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_question, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_rejects_bad_geometry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_publish_rejects_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_tx_descriptors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_indices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_fuzz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_publish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_info_tap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slirp_arp_and_ping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slirp_broken_ring_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slirp_publish_binds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slirp_publish_listening, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
