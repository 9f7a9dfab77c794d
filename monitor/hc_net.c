/* The NIC's hypercalls and the monitor's half of the ring protocol (include/unik/abi.h,
   "Network"), plus what every backend's net thread shares. The guest may rewrite its rings at
   any moment: every index and descriptor is read once into monitor memory, then checked, and
   every buffer goes through the checked gmem helpers. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "monitor/hc.h"
#include "monitor/net.h"
#include "monitor/upcall.h"

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define FENCE() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* ---- the rings ---- */

void net_ring_break(struct net_ring *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	STORE(r->hdr->status, UNIK_NET_STATUS_FAILED);
}

static bool net_ring_broken(const struct net_ring *r)
{
	return r->err[0] != 0;
}

int net_ring_init(struct net_ring *r, const struct gmem *g, const struct unik_hc_net_setup *s)
{
	uint32_t tx = s->tx_slots, rx = s->rx_slots;
	memset(r, 0, sizeof(*r));
	if (tx < 2 || rx < 2 || tx > UNIK_NET_SLOTS_MAX || rx > UNIK_NET_SLOTS_MAX ||
	    (tx & (tx - 1)) || (rx & (rx - 1)))
		return -EINVAL;
	if ((s->area & 4095) || (s->size & 4095) || s->size < UNIK_NET_AREA_SIZE(tx, rx))
		return -EINVAL;
	/* Page 0 and the boot info stay the monitor's to describe, never the NIC's to write. */
	if (s->area < UNIK_BOOT_INFO_GPA + 4096)
		return -EFAULT;
	uint8_t *p = gmem_ptr(g, s->area, s->size);
	if (!p)
		return -EFAULT;
	volatile struct unik_net_ring *h = (volatile struct unik_net_ring *)p;
	uint32_t prod = LOAD(h->tx_prod), cons = LOAD(h->rx_cons), avail = LOAD(h->rx_avail);
	if (avail - cons > rx)
		return -EINVAL;
	r->rx_stamp = calloc(rx, sizeof(*r->rx_stamp));
	if (!r->rx_stamp)
		return -ENOMEM;
	r->mem = *g;
	r->hdr = h;
	r->gpa = s->area;
	r->size = s->size;
	r->ntx = tx;
	r->nrx = rx;
	r->buf_lo = s->area + UNIK_NET_BUF_OFF(tx, rx);
	r->buf_hi = s->area + s->size;
	r->tx_cons = prod;
	r->rx_used = r->rx_published = cons;
	h->tx_frames = h->rx_frames = h->rx_dropped = 0;
	STORE(h->status, UNIK_NET_STATUS_OK);
	STORE(h->tx_kick, 0);
	STORE(h->tx_cons, prod);
	STORE(h->rx_used, cons);
	return 0;
}

void net_ring_fini(struct net_ring *r)
{
	free(r->rx_stamp);
	r->rx_stamp = NULL;
	r->hdr = NULL;
}

/* Does a whole buffer at addr lie in the area's buffer space? */
static bool net_ring_buf_ok(const struct net_ring *r, unik_gpa_t addr)
{
	return addr >= r->buf_lo && addr - r->buf_lo <= r->buf_hi - r->buf_lo - UNIK_NET_BUF_SIZE;
}

static unik_gpa_t net_ring_desc(const struct net_ring *r, bool rx, uint32_t slot)
{
	return r->gpa + UNIK_NET_DESC_OFF + sizeof(struct unik_net_desc) * ((rx ? r->ntx : 0) + slot);
}

int net_ring_tx_next(struct net_ring *r, uint8_t *frame)
{
	if (net_ring_broken(r))
		return -EPROTO;
	uint32_t prod = LOAD(r->hdr->tx_prod), queued = prod - r->tx_cons;
	if (!queued)
		return 0;
	if (queued > r->ntx) {
		net_ring_break(r, "TX index %u is %u frames ahead of the monitor's %u (ring of %u)",
			       prod, queued, r->tx_cons, r->ntx);
		return -EPROTO;
	}
	uint32_t slot = r->tx_cons & (r->ntx - 1);
	struct unik_net_desc d;
	if (gmem_read(&r->mem, net_ring_desc(r, false, slot), &d, sizeof(d))) {
		net_ring_break(r, "TX descriptor %u is not in guest memory", slot);
		return -EPROTO;
	}
	if (d.len < UNIK_NET_FRAME_MIN || d.len > UNIK_NET_FRAME_MAX) {
		net_ring_break(r, "TX descriptor %u: frame length %u (%u to %u)", slot, d.len,
			       UNIK_NET_FRAME_MIN, UNIK_NET_FRAME_MAX);
		return -EPROTO;
	}
	if (!net_ring_buf_ok(r, d.addr) || gmem_read(&r->mem, d.addr, frame, d.len)) {
		net_ring_break(r, "TX descriptor %u: buffer 0x%llx is outside the ring's buffers", slot,
			       (unsigned long long)d.addr);
		return -EPROTO;
	}
	r->tx_cons++;
	STORE(r->hdr->tx_cons, r->tx_cons);
	r->hdr->tx_frames++;
	return (int)d.len;
}

int net_ring_rx_put(struct net_ring *r, const void *frame, size_t len, int64_t now_ns)
{
	if (net_ring_broken(r))
		return -EPROTO;
	if (len < UNIK_NET_FRAME_MIN || len > UNIK_NET_FRAME_MAX)
		return -EMSGSIZE;
	uint32_t avail = LOAD(r->hdr->rx_avail), posted = avail - r->rx_used;
	if (posted > r->nrx) {
		net_ring_break(r, "RX index %u is %u buffers ahead of the monitor's %u (ring of %u)",
			       avail, posted, r->rx_used, r->nrx);
		return -EPROTO;
	}
	if (!posted) {
		r->hdr->rx_dropped++;
		return -ENOBUFS;
	}
	uint32_t slot = r->rx_used & (r->nrx - 1);
	unik_gpa_t desc = net_ring_desc(r, true, slot), addr;
	uint32_t len32 = (uint32_t)len;
	if (gmem_read(&r->mem, desc, &addr, sizeof(addr)) || !net_ring_buf_ok(r, addr)) {
		net_ring_break(r, "RX descriptor %u: buffer 0x%llx is outside the ring's buffers", slot,
			       (unsigned long long)addr);
		return -EPROTO;
	}
	if (gmem_write(&r->mem, addr, frame, len) ||
	    gmem_write(&r->mem, desc + offsetof(struct unik_net_desc, len), &len32, sizeof(len32))) {
		net_ring_break(r, "RX descriptor %u is not in guest memory", slot);
		return -EPROTO;
	}
	__atomic_store_n(&r->rx_stamp[slot], now_ns, __ATOMIC_RELAXED);
	r->rx_used++;
	r->hdr->rx_frames++;
	return 0;
}

bool net_ring_rx_publish(struct net_ring *r)
{
	if (r->rx_used == r->rx_published || net_ring_broken(r))
		return false;
	STORE(r->hdr->rx_used, r->rx_used);
	__atomic_store_n(&r->rx_published, r->rx_used, __ATOMIC_RELEASE);
	FENCE();        /* rx_used out before rx_wake is read: pairs with the guest's arming */
	return LOAD(r->hdr->rx_wake) != 0;
}

bool net_ring_tx_arm(struct net_ring *r)
{
	STORE(r->hdr->tx_kick, 1);
	FENCE();        /* tx_kick out before tx_prod is read: pairs with the guest's TX fence */
	if (LOAD(r->hdr->tx_prod) != r->tx_cons && !net_ring_broken(r)) {
		STORE(r->hdr->tx_kick, 0);
		return false;
	}
	return true;
}

void net_ring_tx_disarm(struct net_ring *r)
{
	STORE(r->hdr->tx_kick, 0);
}

bool net_ring_rx_unclaimed(const struct net_ring *r, int64_t *since_ns)
{
	uint32_t used = __atomic_load_n(&r->rx_published, __ATOMIC_ACQUIRE);
	uint32_t waiting = used - LOAD(r->hdr->rx_cons);
	if (!waiting)
		return false;
	if (waiting > r->nrx)   /* a nonsense rx_cons: the oldest frame the ring can hold */
		waiting = r->nrx;
	*since_ns = __atomic_load_n(&r->rx_stamp[(used - waiting) & (r->nrx - 1)],
				    __ATOMIC_RELAXED);
	return true;
}

bool net_ring_wake_wanted(const struct net_ring *r)
{
	return LOAD(r->hdr->rx_wake) &&
	       __atomic_load_n(&r->rx_published, __ATOMIC_ACQUIRE) != LOAD(r->hdr->rx_cons);
}

/* ---- the NIC ---- */

static void net_close_fds(struct net *n)
{
	if (n->kick_fd >= 0)
		close(n->kick_fd);
	if (n->wake_fd >= 0)
		close(n->wake_fd);
	if (n->pub_fd >= 0)
		close(n->pub_fd);
	n->kick_fd = n->wake_fd = n->pub_fd = -1;
}

struct net *net_new(const struct net_config *c, int *status)
{
	*status = 0;
	if (c->mode == NET_NONE)
		return NULL;
	struct net *n = calloc(1, sizeof(*n));
	if (!n) {
		*status = 125;
		fprintf(stderr, "unik: out of memory\n");
		return NULL;
	}
	n->cfg = *c;
	n->be = c->mode == NET_TAP ? &net_backend_tap : &net_backend_slirp;
	n->kick_fd = n->wake_fd = n->pub_fd = -1;
	/* QEMU's default MAC for slirp; a locally administered random one on a shared tap link. */
	static const uint8_t qemu_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	memcpy(n->mac, qemu_mac, sizeof(qemu_mac));
	if (c->mode == NET_TAP) {
		FILE *f = fopen("/dev/urandom", "re");
		if (f) {
			if (fread(n->mac + 1, 1, 5, f) != 5)
				memcpy(n->mac, qemu_mac, sizeof(qemu_mac));
			fclose(f);
		}
		n->mac[0] = 0x02;
	}
	if ((*status = n->be->open(n))) {
		n->be->close(n);
		free(n);
		return NULL;
	}
	return n;
}

bool net_quitting(const struct net *n)
{
	return __atomic_load_n(&n->quit, __ATOMIC_ACQUIRE) != 0;
}

void net_free(struct net *n)
{
	if (!n)
		return;
	if (n->thread_started) {
		uint64_t one = 1;
		__atomic_store_n(&n->quit, 1, __ATOMIC_RELEASE);
		if (write(n->kick_fd, &one, sizeof(one)) < 0)
			perror("unik: stopping the net thread");
		pthread_join((pthread_t)n->thread, NULL);
	}
	n->be->close(n);
	net_close_fds(n);
	net_ring_fini(&n->ring);
	free(n);
}

void net_boot_info(const struct net *n, struct unik_net_info *out)
{
	memset(out, 0, sizeof(*out));
	if (!n)
		return;
	out->flags = UNIK_NET_PRESENT | (net_publishes(n) ? UNIK_NET_PUBLISH : 0);
	out->mtu = 1500;
	memcpy(out->mac, n->mac, sizeof(out->mac));
	if (n->cfg.mode == NET_TAP && n->cfg.tap_ip) {
		out->flags |= UNIK_NET_IPV4;   /* --net tap:NAME,ip=...,gw=... */
		memcpy(out->ip4, n->cfg.tap_ip4, 4);
		memcpy(out->gw4, n->cfg.tap_gw4, 4);
		memcpy(out->dns4, n->cfg.tap_dns4, 4);
		out->prefix4 = n->cfg.tap_prefix4;
	} else if (n->cfg.mode == NET_TAP) {
		out->flags |= UNIK_NET_DHCP4;  /* a bridged link: its DHCP server configures it */
	}
	if (n->cfg.mode != NET_SLIRP)
		return;
	/* slirp's defaults: 10.0.2.0/24 with the host at .2 and DNS at .3; fec0::/64 likewise,
	   the guest's IPv6 address by SLAAC from its MAC (EUI-64). */
	static const uint8_t ip4[4] = { 10, 0, 2, 15 }, gw4[4] = { 10, 0, 2, 2 },
			     dns4[4] = { 10, 0, 2, 3 };
	out->flags |= UNIK_NET_IPV4 | UNIK_NET_IPV6;
	memcpy(out->ip4, ip4, 4);
	memcpy(out->gw4, gw4, 4);
	memcpy(out->dns4, dns4, 4);
	out->prefix4 = 24;
	out->prefix6 = 64;
	out->ip6[0] = out->gw6[0] = out->dns6[0] = 0xfe;
	out->ip6[1] = out->gw6[1] = out->dns6[1] = 0xc0;
	out->gw6[15] = 2;
	out->dns6[15] = 3;
	out->ip6[8] = n->mac[0] ^ 0x02;
	out->ip6[9] = n->mac[1];
	out->ip6[10] = n->mac[2];
	out->ip6[11] = 0xff;
	out->ip6[12] = 0xfe;
	out->ip6[13] = n->mac[3];
	out->ip6[14] = n->mac[4];
	out->ip6[15] = n->mac[5];
}

bool net_failed(const struct net *n)
{
	return n && __atomic_load_n(&n->failed, __ATOMIC_ACQUIRE);
}

bool net_rx_stalled(const struct net *n, int64_t now_ns, int64_t limit_ns)
{
	int64_t since;
	if (!n || !__atomic_load_n(&n->thread_started, __ATOMIC_ACQUIRE))
		return false;
	return net_ring_rx_unclaimed(&n->ring, &since) && now_ns - since > limit_ns;
}

static void net_signal(int fd)
{
	uint64_t one = 1;
	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		perror("unik: eventfd");
}

/* The ring broke (net thread): say why, stop the NIC, and get the vCPU thread to stop the VM
   (run.c checks net_failed after every exit) out of KVM_RUN, SLEEP or POLL. */
static void net_fail(struct net *n)
{
	fprintf(stderr, "unik: guest error: network ring: %s\n", n->ring.err);
	__atomic_store_n(&n->failed, 1, __ATOMIC_RELEASE);
	net_signal(n->wake_fd);
	struct sigaction sa;
	/* Only where run.c catches the kick signal (not in unit tests: its default kills). */
	if (sigaction(UPCALL_KICK_SIGNAL, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL &&
	    sa.sa_handler != SIG_IGN)
		pthread_kill((pthread_t)n->vcpu, UPCALL_KICK_SIGNAL);
}

static void *net_thread(void *arg)
{
	struct net *n = arg;
	n->be->run(n);
	if (net_ring_broken(&n->ring) && !net_failed(n))
		net_fail(n);
	__atomic_store_n(&n->thread_done, 1, __ATOMIC_RELEASE);
	net_signal(n->pub_fd);          /* a publish request waiting will not be served */
	return NULL;
}

/* An eventfd above 2: hc_ctx's wake_fd 0 means none (a zeroed context has no NIC). */
static int net_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd >= 0 && fd < 3) {
		int hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		fd = hi;
	}
	if (fd < 0)
		perror("unik: eventfd");
	return fd;
}

/* Starts the backend and the net thread for a ring just validated; 0 or -EIO. */
static int net_start(struct net *n)
{
	n->kick_fd = net_eventfd();
	n->wake_fd = net_eventfd();
	if (net_publishes(n) && (n->pub_fd = net_eventfd()) < 0) {
		net_close_fds(n);
		return -EIO;
	}
	if (n->kick_fd < 0 || n->wake_fd < 0 || n->be->start(n)) {
		net_close_fds(n);
		return -EIO;
	}
	n->vcpu = (unsigned long)pthread_self();
	/* Host signals are the vCPU thread's (monitor/run.c): the net thread takes none. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_t t;
	int e = pthread_create(&t, NULL, net_thread, n);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		fprintf(stderr, "unik: cannot start the net thread: %s\n", strerror(e));
		return -EIO;
	}
	n->thread = (unsigned long)t;
	__atomic_store_n(&n->thread_started, true, __ATOMIC_RELEASE);
	return 0;
}

/* ---- what the backends' loops share ---- */

/* While the guest is sending, the next frame usually follows within microseconds: looking at
   the ring a little longer before sleeping saves the guest a kick, a VM exit that costs far more
   here (the port write is decoded and emulated) than this spin. */
#define NET_SPIN_NS 50000

static int64_t net_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static bool net_tx_spin(struct net *n)
{
	if (!n->tx_busy)
		return false;
	int64_t until = net_now_ns() + NET_SPIN_NS;
	do {
		if (LOAD(n->ring.hdr->tx_prod) != n->ring.tx_cons)
			return true;
		__builtin_ia32_pause();
	} while (net_now_ns() < until);
	return false;
}

int net_wait(struct net *n, struct pollfd *pfd, int nfds, int timeout_ms)
{
	pfd[0].fd = n->kick_fd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	bool idle = !net_tx_spin(n) && net_ring_tx_arm(&n->ring);
	int r = poll(pfd, (nfds_t)nfds, idle ? timeout_ms : 0);
	net_ring_tx_disarm(&n->ring);
	uint64_t v;
	if (r > 0 && (pfd[0].revents & POLLIN) && read(n->kick_fd, &v, sizeof(v)) < 0 &&
	    errno != EAGAIN)
		perror("unik: eventfd");
	return r;
}

bool net_tx_drain(struct net *n, void (*send)(struct net *n, const uint8_t *frame, size_t len))
{
	uint8_t frame[UNIK_NET_BUF_SIZE];
	n->tx_busy = false;
	for (uint32_t i = 0; i < n->ring.ntx; i++) {
		int len = net_ring_tx_next(&n->ring, frame);
		if (len < 0) {
			net_fail(n);
			return false;
		}
		if (!len)
			break;
		n->tx_busy = true;
		send(n, frame, (size_t)len);
	}
	return true;
}

void net_rx_frame(struct net *n, const void *frame, size_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	net_ring_rx_put(&n->ring, frame, len, ts.tv_sec * 1000000000ll + ts.tv_nsec);
}

void net_rx_flush(struct net *n)
{
	if (net_ring_rx_publish(&n->ring))
		net_signal(n->wake_fd);
}

void net_publish_serve(struct net *n)
{
	if (!LOAD(n->pub_pending))
		return;
	n->pub.ret = n->be->publish(n, n->pub.udp, n->pub.port, n->pub.families);
	STORE(n->pub_pending, 0);
	net_signal(n->pub_fd);
}

bool net_publishes(const struct net *n)
{
	return n && n->cfg.publish_listening && n->cfg.mode == NET_SLIRP && n->be->publish;
}

/* ---- hypercalls ---- */

enum hc_result hc_net_setup(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_net_setup s;
	if (gmem_read(&ctx->mem, arg, &s, sizeof(s)))
		return HC_BAD;
	struct net *n = ctx->net;
	int64_t ret;
	if (!n)
		ret = -ENODEV;
	else if (n->ready)
		ret = -EBUSY;
	else if (!(ret = net_ring_init(&n->ring, &ctx->mem, &s))) {
		ret = net_start(n);
		if (!ret) {
			n->ready = true;
			ctx->wake_fd = n->wake_fd;
		} else {
			net_ring_fini(&n->ring);
		}
	}
	return gmem_write(&ctx->mem, arg + offsetof(struct unik_hc_net_setup, ret), &ret,
			  sizeof(ret)) ? HC_BAD : HC_OK;
}

/* No argument: the net thread sleeps and frames wait. A kick without a NIC, or after the NIC
   found the rings broken, is a malformed call. */
enum hc_result hc_net_kick(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct net *n = ctx->net;
	if (!n || !n->ready || net_failed(n))
		return HC_BAD;
	net_signal(n->kick_fd);
	return HC_OK;
}

/* How long the vCPU waits for the net thread to carry out a publish request: a bind and a listen
   on the host take microseconds; this only bounds a net thread that stopped answering. */
#define NET_PUBLISH_WAIT_MS 5000

/* Hands the request in n->pub to the net thread (libslirp is its alone) and waits for it. */
static int64_t net_publish_wait(struct net *n)
{
	STORE(n->pub_pending, 1);
	net_signal(n->kick_fd);
	int64_t end = net_now_ns() + NET_PUBLISH_WAIT_MS * 1000000ll;
	while (LOAD(n->pub_pending)) {
		if (__atomic_load_n(&n->thread_done, __ATOMIC_ACQUIRE))
			return -EIO;
		int64_t left = end - net_now_ns();
		if (left <= 0) {
			fprintf(stderr, "unik: the net thread did not answer a publish request\n");
			return -ETIMEDOUT;      /* still pending: later requests get -EBUSY */
		}
		struct pollfd p = { .fd = n->pub_fd, .events = POLLIN };
		uint64_t v;
		if (poll(&p, 1, (int)(left / 1000000 + 1)) > 0 &&
		    read(n->pub_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			perror("unik: eventfd");
	}
	return n->pub.ret;
}

/* The guest's listeners changed: everything in the request is checked before the net thread
   sees it; a request that is not understood is an error result, only an unreadable argument
   stops the VM (as for every call). */
enum hc_result hc_net_publish(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_net_publish p;
	if (gmem_read(&ctx->mem, arg, &p, sizeof(p)))
		return HC_BAD;
	struct net *n = ctx->net;
	int64_t ret;
	if ((p.proto != 6 && p.proto != 17) || p.port < 1 || p.port > 65535 || p._pad ||
	    (p.families & ~(UNIK_NET_PUBLISH_V4 | UNIK_NET_PUBLISH_V6)))
		ret = -EINVAL;
	else if (!n)
		ret = -ENODEV;
	else if (!net_publishes(n))
		ret = -EOPNOTSUPP;
	else if (!n->ready)
		ret = -ENOTCONN;
	else if (net_failed(n) || __atomic_load_n(&n->thread_done, __ATOMIC_ACQUIRE))
		ret = -EIO;
	else if (LOAD(n->pub_pending))
		ret = -EBUSY;
	else {
		n->pub.udp = p.proto == 17;
		n->pub.port = (uint16_t)p.port;
		n->pub.families = p.families;
		n->pub.ret = -EIO;
		ret = net_publish_wait(n);
	}
	return gmem_write(&ctx->mem, arg + offsetof(struct unik_hc_net_publish, ret), &ret,
			  sizeof(ret)) ? HC_BAD : HC_OK;
}

bool hc_net_wake_pending(struct hc_ctx *ctx)
{
	struct net *n = ctx->net;
	return n && n->ready && (net_ring_wake_wanted(&n->ring) || net_failed(n));
}

void hc_net_wake_clear(struct hc_ctx *ctx)
{
	uint64_t v;
	if (ctx->wake_fd > 0 && read(ctx->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		perror("unik: eventfd");
}
