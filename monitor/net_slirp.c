/* The default network backend: libslirp, a user-mode TCP/IP NAT (no root, `-p` forwards, DNS at
   10.0.2.3), and the parsing of the network options. libslirp is not thread safe: every call into
   it is made by the net thread, except the set-up before that thread starts.

   libslirp is loaded with dlopen when the guest sets its NIC up (or when -p needs ports bound at
   start-up), not linked: linking it brings in GLib, whose loading and initialisation cost every
   `unik run` ~0.6 ms (measured), a tenth of booting a program that never touches the network. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <slirp/libslirp.h>
#include "monitor/net.h"

/* ---- the options ---- */

/* A dotted IPv4 address of len bytes at s into out (network order). 0 or -1. */
static int net_parse_ip4(const char *s, size_t len, uint8_t out[4])
{
	char buf[INET_ADDRSTRLEN];
	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	return inet_pton(AF_INET, buf, out) == 1 ? 0 : -1;
}

/* tap:NAME's options: ip=A.B.C.D/PREFIX (the guest's address), gw=A.B.C.D (its default route)
   and dns=A.B.C.D (its resolv.conf's server), comma separated; without ip= the guest asks
   DHCP for all three. 0, or -1 after printing why. */
static int net_parse_tap_opts(const char *s, struct net_config *c)
{
	while (*s) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		const char *slash = memchr(s, '/', len);
		char *pe;
		if (len > 3 && !strncmp(s, "ip=", 3) && slash &&
		    !net_parse_ip4(s + 3, (size_t)(slash - s - 3), c->tap_ip4)) {
			unsigned long prefix = strtoul(slash + 1, &pe, 10);
			if (pe != s + len || slash + 1 == pe || prefix < 1 || prefix > 32)
				goto bad;
			c->tap_prefix4 = (uint8_t)prefix;
			c->tap_ip = true;
		} else if (len > 3 && !strncmp(s, "gw=", 3) &&
			   !net_parse_ip4(s + 3, len - 3, c->tap_gw4)) {
			;
		} else if (len > 4 && !strncmp(s, "dns=", 4) &&
			   !net_parse_ip4(s + 4, len - 4, c->tap_dns4)) {
			;
		} else {
			goto bad;
		}
		s += len + (end != NULL);
	}
	if (!c->tap_ip && (c->tap_gw4[0] | c->tap_gw4[1] | c->tap_gw4[2] | c->tap_gw4[3])) {
		fprintf(stderr, "unik: --net tap: gw= needs ip=ADDRESS/PREFIX\n");
		return -1;
	}
	if (!c->tap_ip && (c->tap_dns4[0] | c->tap_dns4[1] | c->tap_dns4[2] | c->tap_dns4[3])) {
		fprintf(stderr, "unik: --net tap: dns= needs ip=ADDRESS/PREFIX (without it, DHCP "
			"names the servers)\n");
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "unik: invalid tap option '%s' (ip=A.B.C.D/PREFIX, gw=A.B.C.D, "
		"dns=A.B.C.D)\n", s);
	return -1;
}

int net_parse_mode(const char *s, struct net_config *c)
{
	if (!strcmp(s, "none")) {
		c->mode = NET_NONE;
	} else if (!strcmp(s, "slirp") || !strcmp(s, "bridge") || !strcmp(s, "default")) {
		c->mode = NET_SLIRP;    /* docker's default network is a NAT too */
	} else if (!strncmp(s, "tap:", 4)) {
		const char *name = s + 4, *opts = strchr(name, ',');
		size_t nlen = opts ? (size_t)(opts - name) : strlen(name);
		if (!nlen || nlen >= sizeof(c->tap_name) || memchr(name, '/', nlen)) {
			fprintf(stderr, "unik: invalid tap interface name '%.*s'\n", (int)nlen, name);
			return 125;
		}
		c->mode = NET_TAP;
		snprintf(c->tap_name, sizeof(c->tap_name), "%.*s", (int)nlen, name);
		if (opts && net_parse_tap_opts(opts + 1, c))
			return 125;
	} else if (!strcmp(s, "host")) {
		fprintf(stderr, "unik: --net host is not possible: the guest has a TCP/IP stack of its "
			"own (use -p to publish ports)\n");
		return 125;
	} else {
		fprintf(stderr, "unik: unknown network '%s' (none, slirp or tap:NAME)\n", s);
		return 125;
	}
	return 0;
}

#define NET_RANGE_MAX 1024      /* ports one -p may publish */

/* "PORT" or "PORT-END", 1..65535; an empty s is port 0 when empty_ok. 0 or -1. */
static int net_parse_range(const char *s, size_t len, bool empty_ok, uint16_t *lo, uint16_t *hi)
{
	char buf[16];
	if (!len && empty_ok) {
		*lo = *hi = 0;
		return 0;
	}
	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	unsigned long v[2];
	char *p = buf;
	for (int i = 0; i < 2; i++) {
		char *end;
		if (*p < '0' || *p > '9')
			return -1;
		v[i] = strtoul(p, &end, 10);
		if (v[i] < 1 || v[i] > 65535)
			return -1;
		if (!*end) {
			if (i == 0)
				v[1] = v[0];
			break;
		}
		if (*end != '-' || i == 1)
			return -1;
		p = end + 1;
	}
	if (v[1] < v[0] || v[1] - v[0] >= NET_RANGE_MAX)
		return -1;
	*lo = (uint16_t)v[0];
	*hi = (uint16_t)v[1];
	return 0;
}

static int net_publish_error(const char *spec, const char *why)
{
	fprintf(stderr, "unik: invalid publish spec '%s': %s\n", spec, why);
	return 125;
}

int net_parse_publish(const char *spec, struct net_config *c)
{
	struct net_fwd f = { 0 };
	char addr[64];
	if (c->nfwd >= NET_MAX_FWD)
		return net_publish_error(spec, "too many -p options");
	const char *slash = strrchr(spec, '/');
	size_t len = slash ? (size_t)(slash - spec) : strlen(spec);
	if (slash && !strcmp(slash + 1, "udp"))
		f.udp = true;
	else if (slash && !strcmp(slash + 1, "sctp"))
		return net_publish_error(spec, "slirp cannot forward sctp");
	else if (slash && strcmp(slash + 1, "tcp"))
		return net_publish_error(spec, "the protocol must be tcp or udp");
	if (spec[0] == '[')
		return net_publish_error(spec, "IPv6 host addresses are not supported yet");
	/* Up to three fields from the right: GUEST, HOST:GUEST, IP:HOST:GUEST (HOST may be empty). */
	const char *c2 = memrchr(spec, ':', len);
	const char *c1 = c2 ? memrchr(spec, ':', (size_t)(c2 - spec)) : NULL;
	if (c1 && memchr(spec, ':', (size_t)(c1 - spec)))
		return net_publish_error(spec, "too many ':' (IPv6 host addresses are not supported)");
	const char *g = c2 ? c2 + 1 : spec, *h = c1 ? c1 + 1 : spec;
	if (net_parse_range(g, len - (size_t)(g - spec), false, &f.guest_lo, &f.guest_hi))
		return net_publish_error(spec, "invalid container port (1-65535, or a range A-B)");
	if (c2 && net_parse_range(h, (size_t)(c2 - h), c1 != NULL, &f.host_lo, &f.host_hi))
		return net_publish_error(spec, "invalid host port (1-65535, or a range A-B)");
	if (c1) {
		size_t alen = (size_t)(c1 - spec);
		if (!alen || alen >= sizeof(addr))
			return net_publish_error(spec, "invalid host IP address");
		memcpy(addr, spec, alen);
		addr[alen] = 0;
		struct in_addr ia;
		if (inet_pton(AF_INET, addr, &ia) != 1)
			return net_publish_error(spec, "the host IP must be an IPv4 address");
		f.host_ip = ia.s_addr;
	}
	uint32_t gn = (uint32_t)f.guest_hi - f.guest_lo, hn = (uint32_t)f.host_hi - f.host_lo;
	if (f.host_lo && gn && gn != hn)
		return net_publish_error(spec, "the host and container port ranges differ in length");
	c->fwd[c->nfwd++] = f;
	return 0;
}

/* ---- libslirp, loaded at run time ---- */

static struct {
	void *lib;
	__typeof__(slirp_new) *new_;
	__typeof__(slirp_cleanup) *cleanup;
	__typeof__(slirp_pollfds_fill) *pollfds_fill;
	__typeof__(slirp_pollfds_poll) *pollfds_poll;
	__typeof__(slirp_input) *input;
	__typeof__(slirp_handle_timer) *handle_timer;
	__typeof__(slirp_add_hostfwd) *add_hostfwd;
	/* --publish-listening only; NULL when this libslirp lacks them */
	__typeof__(slirp_remove_hostfwd) *remove_hostfwd;
	__typeof__(slirp_add_hostxfwd) *add_hostxfwd;
	__typeof__(slirp_remove_hostxfwd) *remove_hostxfwd;
} sl;

static int slirp_load(void)
{
	if (sl.lib)
		return 0;
	void *lib = dlopen("libslirp.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "unik: the slirp network needs libslirp (Debian package libslirp0): "
			"%s\n", dlerror());
		return -1;
	}
	static const char *const names[] = { "slirp_new", "slirp_cleanup", "slirp_pollfds_fill",
		"slirp_pollfds_poll", "slirp_input", "slirp_handle_timer", "slirp_add_hostfwd" };
	void **slot[] = { (void **)&sl.new_, (void **)&sl.cleanup, (void **)&sl.pollfds_fill,
			  (void **)&sl.pollfds_poll, (void **)&sl.input, (void **)&sl.handle_timer,
			  (void **)&sl.add_hostfwd };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!(*slot[i] = dlsym(lib, names[i]))) {
			fprintf(stderr, "unik: libslirp lacks %s (4.7 or later is needed)\n", names[i]);
			dlclose(lib);
			return -1;
		}
	sl.remove_hostfwd = (__typeof__(sl.remove_hostfwd))dlsym(lib, "slirp_remove_hostfwd");
	sl.add_hostxfwd = (__typeof__(sl.add_hostxfwd))dlsym(lib, "slirp_add_hostxfwd");
	sl.remove_hostxfwd = (__typeof__(sl.remove_hostxfwd))dlsym(lib, "slirp_remove_hostxfwd");
	sl.lib = lib;
	return 0;
}

#define SLIRP_TIMERS 4
#define SLIRP_MAX_POLL 1024
#define SLIRP_PUB_MAX 1024      /* ports --publish-listening keeps published at once */

struct slirp_timer {
	bool used;
	SlirpTimerId id;
	void *cb_opaque;
	int64_t expire_ms;              /* -1: not armed */
};

struct slirp_state {
	Slirp *slirp;
	struct net *n;
	struct slirp_timer timers[SLIRP_TIMERS];
	struct pollfd pfd[SLIRP_MAX_POLL];
	int npfd;
	/* --publish-listening: the ports published for the guest's listeners, and how */
	struct slirp_pub {
		uint16_t port;
		bool udp;
		uint8_t families;       /* UNIK_NET_PUBLISH_* forwarded now */
	} pub[SLIRP_PUB_MAX];
	int npub;
};

static int64_t slirp_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static ssize_t slirp_cb_send(const void *buf, size_t len, void *opaque)
{
	struct slirp_state *s = opaque;
	net_rx_frame(s->n, buf, len);
	return (ssize_t)len;
}

static void slirp_cb_guest_error(const char *msg, void *opaque)
{
	fprintf(stderr, "unik: slirp: guest error: %s\n", msg);
}

static int64_t slirp_cb_clock(void *opaque)
{
	return slirp_now_ns();
}

static void *slirp_cb_timer_new(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct slirp_state *s = opaque;
	for (int i = 0; i < SLIRP_TIMERS; i++)
		if (!s->timers[i].used) {
			s->timers[i] = (struct slirp_timer){ true, id, cb_opaque, -1 };
			return &s->timers[i];
		}
	fprintf(stderr, "unik: slirp: out of timers\n");
	return NULL;
}

static void slirp_cb_timer_free(void *timer, void *opaque)
{
	if (timer)
		((struct slirp_timer *)timer)->used = false;
}

static void slirp_cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	if (timer)
		((struct slirp_timer *)timer)->expire_ms = expire_ms;
}

static void slirp_cb_nop_fd(int fd, void *opaque)
{
}

static void slirp_cb_nop(void *opaque)
{
}

static const SlirpCb slirp_callbacks = {
	.send_packet = slirp_cb_send,
	.guest_error = slirp_cb_guest_error,
	.clock_get_ns = slirp_cb_clock,
	.timer_free = slirp_cb_timer_free,
	.timer_mod = slirp_cb_timer_mod,
	.register_poll_fd = slirp_cb_nop_fd,
	.unregister_poll_fd = slirp_cb_nop_fd,
	.notify = slirp_cb_nop,
	.timer_new_opaque = slirp_cb_timer_new,
};

/* slirp_new with the addresses the boot info gives the guest (net_boot_info). */
static int slirp_create(struct net *n)
{
	struct slirp_state *s = n->priv;
	if (s->slirp)
		return 0;
	if (slirp_load())
		return -1;
	SlirpConfig cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.version = 4;
	cfg.in_enabled = true;
	inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
	inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
	inet_pton(AF_INET, "10.0.2.2", &cfg.vhost);
	inet_pton(AF_INET, "10.0.2.15", &cfg.vdhcp_start);
	inet_pton(AF_INET, "10.0.2.3", &cfg.vnameserver);
	cfg.in6_enabled = true;
	inet_pton(AF_INET6, "fec0::", &cfg.vprefix_addr6);
	cfg.vprefix_len = 64;
	inet_pton(AF_INET6, "fec0::2", &cfg.vhost6);
	inet_pton(AF_INET6, "fec0::3", &cfg.vnameserver6);
	cfg.if_mtu = 1500;
	cfg.if_mru = 1500;
	s->slirp = sl.new_(&cfg, &slirp_callbacks, s);
	if (!s->slirp) {
		fprintf(stderr, "unik: slirp: cannot create the network\n");
		return -1;
	}
	return 0;
}

/* A free host port for a -p without one (the kernel picks; slirp binds it right after). */
static uint16_t slirp_free_port(bool udp, uint32_t ip)
{
	int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = ip };
	socklen_t alen = sizeof(a);
	uint16_t port = 0;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* libslirp listens for a published TCP port with a backlog of one: a burst of clients (a load
   test, a browser's parallel connections) then sees SYNs dropped and waits a second to retry.
   listen() again on its socket raises the backlog; libslirp gives no handle to it, so it is
   found by its address among the monitor's fds (IPv4 ip, or IPv6 ip6 when ip6 is not NULL). */
static void slirp_raise_backlog_at(struct in_addr ip, const struct in6_addr *ip6, uint16_t port)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		int fd = atoi(e->d_name), on = 0;
		socklen_t len = sizeof(on);
		struct sockaddr_in6 a6;
		struct sockaddr_in *a = (struct sockaddr_in *)&a6;
		socklen_t alen = sizeof(a6);
		if (fd <= 2 || fd == dirfd(d) ||
		    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) || !on ||
		    getsockname(fd, (struct sockaddr *)&a6, &alen))
			continue;
		if (ip6 ? a6.sin6_family == AF_INET6 && ntohs(a6.sin6_port) == port &&
			  !memcmp(&a6.sin6_addr, ip6, sizeof(*ip6)) :
			  a->sin_family == AF_INET && ntohs(a->sin_port) == port &&
			  a->sin_addr.s_addr == ip.s_addr)
			listen(fd, SOMAXCONN);
	}
	closedir(d);
}

static void slirp_raise_backlog(struct in_addr ip, uint16_t port)
{
	slirp_raise_backlog_at(ip, NULL, port);
}

static int slirp_fwd_one(struct slirp_state *s, const struct net_fwd *f, uint16_t host,
			 uint16_t guest, bool quiet)
{
	struct in_addr hip = { f->host_ip }, gip;
	inet_pton(AF_INET, "10.0.2.15", &gip);
	errno = 0;
	if (host && sl.add_hostfwd(s->slirp, f->udp, hip, host, gip, guest) == 0) {
		if (!f->udp)
			slirp_raise_backlog(hip, host);
		return 0;
	}
	if (!quiet) {
		char ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &hip, ip, sizeof(ip));
		fprintf(stderr, "unik: cannot publish %s:%u -> %u/%s: %s\n", ip, host, guest,
			f->udp ? "udp" : "tcp", errno ? strerror(errno) : "no free port");
	}
	return -1;
}

/* One -p entry: a range one to one, a host range to one port (its first free port), or free
   host ports the kernel picks (announced on stderr, as nothing else would tell them). */
static int slirp_publish(struct slirp_state *s, const struct net_fwd *f)
{
	const char *proto = f->udp ? "udp" : "tcp";
	if (!f->host_lo) {
		for (uint32_t g = f->guest_lo; g <= f->guest_hi; g++) {
			uint16_t port = slirp_free_port(f->udp, f->host_ip);
			if (slirp_fwd_one(s, f, port, (uint16_t)g, false))
				return 125;
			char ip[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &f->host_ip, ip, sizeof(ip));
			fprintf(stderr, "unik: published %s:%u -> %u/%s\n", ip, port, g, proto);
		}
		return 0;
	}
	if (f->guest_lo == f->guest_hi && f->host_hi > f->host_lo) {
		for (uint32_t h = f->host_lo; h <= f->host_hi; h++)
			if (!slirp_fwd_one(s, f, (uint16_t)h, f->guest_lo, h < f->host_hi))
				return 0;
		return 125;
	}
	for (uint32_t i = 0; i <= (uint32_t)f->guest_hi - f->guest_lo; i++)
		if (slirp_fwd_one(s, f, (uint16_t)(f->host_lo + i), (uint16_t)(f->guest_lo + i), false))
			return 125;
	return 0;
}

/* ---- --publish-listening: the host's ports follow the guest's listeners ---- */

/* Does one of the user's -p already forward the host's port to the same guest port? */
static bool slirp_fwd_covers(const struct net_config *c, bool udp, uint16_t port)
{
	for (size_t i = 0; i < c->nfwd; i++) {
		const struct net_fwd *f = &c->fwd[i];
		if (f->udp == udp && f->host_lo == f->guest_lo && port >= f->guest_lo &&
		    port <= f->guest_hi)
			return true;
	}
	return false;
}

/* Forwards (on) or stops forwarding 0.0.0.0:port to the guest's 10.0.2.15:port. 0 or -errno. */
static int slirp_pub_v4(struct slirp_state *s, bool udp, uint16_t port, bool on)
{
	struct in_addr any = { 0 }, gip;
	if (!on)
		return sl.remove_hostfwd(s->slirp, udp, any, port) ? -ENOENT : 0;
	inet_pton(AF_INET, "10.0.2.15", &gip);
	errno = 0;
	if (sl.add_hostfwd(s->slirp, udp, any, port, gip, port))
		return errno ? -errno : -EADDRINUSE;
	if (!udp)
		slirp_raise_backlog(any, port);
	return 0;
}

/* The same for [::]:port (v6 only: 0.0.0.0:port is the IPv4 forward's) to the guest's IPv6
   address. */
static int slirp_pub_v6(struct slirp_state *s, bool udp, uint16_t port, bool on)
{
	struct sockaddr_in6 h = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				  .sin6_addr = IN6ADDR_ANY_INIT }, g = h;
	int flags = (udp ? SLIRP_HOSTFWD_UDP : 0) | SLIRP_HOSTFWD_V6ONLY;
	if (!on)
		return sl.remove_hostxfwd(s->slirp, (struct sockaddr *)&h, sizeof(h), flags) ?
		       -ENOENT : 0;
	struct unik_net_info ni;
	net_boot_info(s->n, &ni);
	memcpy(&g.sin6_addr, ni.ip6, sizeof(g.sin6_addr));
	errno = 0;
	if (sl.add_hostxfwd(s->slirp, (struct sockaddr *)&h, sizeof(h), (struct sockaddr *)&g,
			    sizeof(g), flags))
		return errno ? -errno : -EADDRINUSE;
	if (!udp)
		slirp_raise_backlog_at((struct in_addr){ 0 }, &h.sin6_addr, port);
	return 0;
}

/* A host without IPv6 cannot have the [::] forward: not worth a message. */
static bool slirp_no_ipv6(int err)
{
	return err == -EAFNOSUPPORT || err == -EADDRNOTAVAIL || err == -EPROTONOSUPPORT;
}

static int slirp_publish_listening(struct net *n, bool udp, uint16_t port, uint32_t families)
{
	struct slirp_state *s = n->priv;
	if (!sl.remove_hostfwd || slirp_fwd_covers(&n->cfg, udp, port))
		return 0;       /* nothing it could take back; or the user's -p has it already */
	if (!sl.add_hostxfwd || !sl.remove_hostxfwd)
		families &= ~UNIK_NET_PUBLISH_V6;
	int i = 0, err = 0;
	while (i < s->npub && (s->pub[i].port != port || s->pub[i].udp != udp))
		i++;
	if (i == s->npub) {
		if (!families)
			return 0;
		if (s->npub == SLIRP_PUB_MAX) {
			fprintf(stderr, "unik: cannot publish %u/%s: more than %d ports published\n",
				port, udp ? "udp" : "tcp", SLIRP_PUB_MAX);
			return -ENOSPC;
		}
		s->pub[s->npub++] = (struct slirp_pub){ .port = port, .udp = udp };
	}
	uint8_t cur = s->pub[i].families;
	for (uint8_t f = UNIK_NET_PUBLISH_V4; f <= UNIK_NET_PUBLISH_V6; f <<= 1) {
		if (!((cur ^ families) & f))
			continue;
		bool on = families & f;
		int e = f == UNIK_NET_PUBLISH_V4 ? slirp_pub_v4(s, udp, port, on) :
			slirp_pub_v6(s, udp, port, on);
		if (!on)
			cur &= (uint8_t)~f;     /* gone, or never there */
		else if (!e)
			cur |= f;
		else if (!err && !(f == UNIK_NET_PUBLISH_V6 && slirp_no_ipv6(e)))
			err = e;
	}
	if ((s->pub[i].families = cur) == 0)
		s->pub[i] = s->pub[--s->npub];
	if (err)
		fprintf(stderr, "unik: cannot publish %u/%s: %s\n", port, udp ? "udp" : "tcp",
			strerror(-err));
	return err;
}

/* ---- the backend ---- */

static int slirp_open(struct net *n)
{
	struct slirp_state *s = calloc(1, sizeof(*s));
	if (!s) {
		fprintf(stderr, "unik: out of memory\n");
		return 125;
	}
	s->n = n;
	n->priv = s;
	bool publish = n->cfg.nfwd || (n->cfg.publish_all && n->cfg.nexposed);
	if (!publish)
		return 0;       /* nothing to bind: libslirp waits for the guest's NET_SETUP */
	if (slirp_create(n))
		return 125;
	for (size_t i = 0; i < n->cfg.nfwd; i++)
		if (slirp_publish(s, &n->cfg.fwd[i]))
			return 125;
	for (size_t i = 0; n->cfg.publish_all && i < n->cfg.nexposed; i++)
		if (slirp_publish(s, &n->cfg.exposed[i]))
			return 125;
	return 0;
}

static int slirp_start(struct net *n)
{
	return slirp_create(n) ? -1 : 0;
}

static int slirp_cb_add_poll(int fd, int events, void *opaque)
{
	struct slirp_state *s = opaque;
	if (s->npfd >= SLIRP_MAX_POLL)
		return -1;      /* slirp then sees no events for it this round */
	struct pollfd *p = &s->pfd[s->npfd];
	p->fd = fd;
	p->events = (short)((events & SLIRP_POLL_IN ? POLLIN : 0) |
			    (events & SLIRP_POLL_OUT ? POLLOUT : 0) |
			    (events & SLIRP_POLL_PRI ? POLLPRI : 0));
	p->revents = 0;
	return s->npfd++;
}

static int slirp_cb_get_revents(int idx, void *opaque)
{
	struct slirp_state *s = opaque;
	if (idx < 1 || idx >= s->npfd)
		return 0;
	short r = s->pfd[idx].revents;
	return (r & POLLIN ? SLIRP_POLL_IN : 0) | (r & POLLOUT ? SLIRP_POLL_OUT : 0) |
	       (r & POLLPRI ? SLIRP_POLL_PRI : 0) | (r & POLLERR ? SLIRP_POLL_ERR : 0) |
	       (r & POLLHUP ? SLIRP_POLL_HUP : 0);
}

static void slirp_send(struct net *n, const uint8_t *frame, size_t len)
{
	struct slirp_state *s = n->priv;
	sl.input(s->slirp, frame, (int)len);
}

/* Milliseconds to the first armed timer (capped by *timeout); runs the expired ones. */
static void slirp_timers(struct slirp_state *s, uint32_t *timeout, bool run)
{
	int64_t now = slirp_now_ns() / 1000000;
	for (int i = 0; i < SLIRP_TIMERS; i++) {
		struct slirp_timer *t = &s->timers[i];
		if (!t->used || t->expire_ms < 0)
			continue;
		if (run && t->expire_ms <= now) {
			t->expire_ms = -1;
			sl.handle_timer(s->slirp, t->id, t->cb_opaque);
		} else if (!run) {
			int64_t left = t->expire_ms > now ? t->expire_ms - now : 0;
			if ((uint64_t)left < *timeout)
				*timeout = (uint32_t)left;
		}
	}
}

static void slirp_run(struct net *n)
{
	struct slirp_state *s = n->priv;
	while (!net_quitting(n)) {
		uint32_t timeout = UINT32_MAX;
		net_publish_serve(n);   /* before the fds are gathered: they may change */
		s->npfd = 1;            /* pfd[0]: the kick fd (net_wait) */
		sl.pollfds_fill(s->slirp, &timeout, slirp_cb_add_poll, s);
		slirp_timers(s, &timeout, false);
		int r = net_wait(n, s->pfd, s->npfd, timeout == UINT32_MAX ? -1 : (int)timeout);
		sl.pollfds_poll(s->slirp, r < 0, slirp_cb_get_revents, s);
		slirp_timers(s, &timeout, true);
		if (!net_tx_drain(n, slirp_send))
			return;
		net_rx_flush(n);
	}
}

static void slirp_close(struct net *n)
{
	struct slirp_state *s = n->priv;
	if (s && s->slirp)
		sl.cleanup(s->slirp);
	free(s);
	n->priv = NULL;
}

const struct net_backend net_backend_slirp = {
	.open = slirp_open,
	.start = slirp_start,
	.run = slirp_run,
	.close = slirp_close,
	.publish = slirp_publish_listening,
};
