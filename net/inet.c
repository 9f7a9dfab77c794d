/* AF_INET and AF_INET6 sockets: creation, Linux's sockaddr_in/sockaddr_in6 <-> lwIP addresses
   (v4-mapped addresses on dual-stack AF_INET6 sockets), and the IP, IPv6 and TCP level options.
   TCP lives in net/inet_tcp.c, UDP in net/inet_udp.c. */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "vfs/file.h"
#include "net/inet.h"
#include "net/net.h"
#include "net/nic_netif.h"
#include "lwip/netif.h"

#define IP_TOS 1
#define IP_TTL 2
#define IP_HDRINCL 3
#define IPV6_UNICAST_HOPS 16
#define IPV6_V6ONLY 26
#define IPV6_TCLASS 67
#define TCP_NODELAY 1
#define TCP_MAXSEG 2
#define TCP_CORK 3
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define TCP_INFO 11
#define MAX_TCP_KEEPIDLE 32767
#define MAX_TCP_KEEPCNT 127

struct sockaddr_in_k {
	uint16_t family, port;
	uint32_t addr;
	uint8_t zero[8];
};
struct sockaddr_in6_k {
	uint16_t family, port;
	uint32_t flowinfo;
	uint8_t addr[16];
	uint32_t scope_id;
};

bool inet_event_seq(struct socket *s, uint64_t *seq)
{
	*seq = inet_sk(s)->seq;
	return true;
}

int inet_create(struct socket *s, int type, int protocol)
{
	if (protocol < 0 || protocol >= 263)
		return -EINVAL;                 /* Linux's IPPROTO_MAX */
	/* An ICMP echo socket: Linux allows the groups of net.ipv4.ping_group_range, which a
	   container's docker sets to all. */
	bool ping = type == SOCK_DGRAM &&
		    protocol == (s->family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	bool lite = type == SOCK_DGRAM && protocol == IPPROTO_UDPLITE;
	int want = type == SOCK_STREAM ? IPPROTO_TCP : type == SOCK_DGRAM ? IPPROTO_UDP : protocol;
	if (type == SOCK_RAW) {
		if (!protocol)
			return -EPROTONOSUPPORT;        /* Linux: no wildcard raw protocol */
		if (!capable(CAP_NET_RAW))
			return -EPERM;
		if (protocol > IPPROTO_RAW)
			return -EPROTONOSUPPORT;        /* Linux's take no packet; refused here */
	} else if (type != SOCK_STREAM && type != SOCK_DGRAM) {
		return -ESOCKTNOSUPPORT;
	} else if (protocol && protocol != want && !ping && !lite) {
		return -EPROTONOSUPPORT;
	}
	if (ping || lite)
		want = protocol;
	net_settle();
	struct inet_sock *is = kmalloc(sizeof(*is));
	if (!is)
		return -ENOMEM;
	is->sock = s;
	is->family = s->family;
	is->type = type;
	is->ttl = is->hops = -1;
	is->keepidle = 7200;
	is->keepintvl = 75;
	is->keepcnt = 9;
	s->protocol = want;
	s->priv = is;
	int err = type == SOCK_STREAM ? inet_tcp_init(is) :
		  type == SOCK_RAW || ping ? inet_raw_init(is, want) : inet_udp_init(is, lite);
	if (err) {
		kfree(is, sizeof(*is));
		return err;
	}
	s->ops = type == SOCK_STREAM ? &inet_tcp_ops :
		 type == SOCK_RAW || ping ? &inet_raw_ops : &inet_udp_ops;
	return 0;
}

bool inet_bind_overlap(const ip_addr_t *a, const ip_addr_t *b)
{
	if (IP_IS_ANY_TYPE_VAL(*a) || IP_IS_ANY_TYPE_VAL(*b))
		return true;            /* a dual-stack wildcard takes both families */
	if (IP_IS_V6_VAL(*a) != IP_IS_V6_VAL(*b))
		return false;           /* IPv4 and an IPV6_V6ONLY socket's IPv6 never meet */
	return ip_addr_isany(a) || ip_addr_isany(b) || ip_addr_cmp(a, b);
}

u8_t inet_ip_type(const struct inet_sock *is)
{
	if (is->family == AF_INET)
		return IPADDR_TYPE_V4;
	return is->v6only ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY;
}

static bool inet_v4mapped(const uint8_t *a)
{
	static const uint8_t pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	return !memcmp(a, pre, 12);
}

int inet_addr_in(struct inet_sock *is, const void *addr, uint32_t len, bool bind, ip_addr_t *ip,
		 u16_t *port)
{
	uint16_t family;
	if (len < 2)
		return -EINVAL;
	memcpy(&family, addr, 2);
	if (is->family == AF_INET) {
		struct sockaddr_in_k a;
		if (len < sizeof(a))
			return -EINVAL;
		memcpy(&a, addr, sizeof(a));
		if (family != AF_INET && !(bind && family == AF_UNSPEC && a.addr == 0))
			return -EAFNOSUPPORT;
		ip_addr_set_ip4_u32_val(*ip, a.addr);
		if (!bind && a.addr == 0)
			ip_addr_set_ip4_u32_val(*ip, PP_HTONL(0x7f000001));
		*port = lwip_ntohs(a.port);
		return 0;
	}
	struct sockaddr_in6_k a = { 0 };
	if (len < 24)
		return -EINVAL;
	memcpy(&a, addr, MIN(len, sizeof(a)));
	if (family != AF_INET6)
		return -EAFNOSUPPORT;
	*port = lwip_ntohs(a.port);
	if (inet_v4mapped(a.addr)) {
		if (is->v6only)
			return bind ? -EINVAL : -ENETUNREACH;
		uint32_t v4;
		memcpy(&v4, a.addr + 12, 4);
		ip_addr_set_ip4_u32_val(*ip, v4);
		return 0;
	}
	uint32_t w[4];
	memcpy(w, a.addr, 16);
	if (!bind && !(w[0] | w[1] | w[2] | w[3]))
		w[3] = PP_HTONL(1);
	IP_ADDR6(ip, w[0], w[1], w[2], w[3]);
	if (bind && !(w[0] | w[1] | w[2] | w[3]) && !is->v6only)
		ip_addr_copy(*ip, *IP_ANY_TYPE);        /* dual stack: both families */
	return 0;
}

uint32_t inet_addr_out(const struct inet_sock *is, const ip_addr_t *ip, u16_t port, void *out)
{
	if (is->family == AF_INET) {
		struct sockaddr_in_k a = { .family = AF_INET, .port = lwip_htons(port) };
		if (ip && IP_IS_V4(ip))
			a.addr = ip4_addr_get_u32(ip_2_ip4(ip));
		memcpy(out, &a, sizeof(a));
		return sizeof(a);
	}
	struct sockaddr_in6_k a = { .family = AF_INET6, .port = lwip_htons(port) };
	if (ip && IP_IS_V4_VAL(*ip) && !IP_IS_ANY_TYPE_VAL(*ip)) {
		uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(ip));
		if (v4 || is->v6only) {
			a.addr[10] = a.addr[11] = 0xff;
			memcpy(a.addr + 12, &v4, 4);
		}
	} else if (ip && IP_IS_V6_VAL(*ip)) {
		memcpy(a.addr, ip_2_ip6(ip)->addr, 16);
	}
	memcpy(out, &a, sizeof(a));
	return sizeof(a);
}

int inet_bind_addr(struct inet_sock *is, const void *addr, uint32_t len, ip_addr_t *ip,
		   u16_t *port)
{
	int err = inet_addr_in(is, addr, len, true, ip, port);
	if (err)
		return err;
	return inet_addr_local(ip) ? 0 : -EADDRNOTAVAIL;
}

int inet_dgram_connect(struct inet_sock *is, const void *addr, uint32_t len,
		       int (*to)(struct inet_sock *is, const ip_addr_t *ip, u16_t port),
		       void (*undo)(struct inet_sock *is))
{
	uint16_t family = AF_INET;
	if (len >= 2)
		memcpy(&family, addr, 2);
	if (len >= 2 && family == AF_UNSPEC) {
		undo(is);
		is->udp_connected = false;
		file_changed();
		return 0;
	}
	ip_addr_t ip;
	u16_t port;
	int err = inet_addr_in(is, addr, len, false, &ip, &port);
	if (err || (err = to(is, &ip, port)))
		return err;
	is->udp_connected = true;
	file_changed();
	return 0;
}

bool inet_addr_local(const ip_addr_t *ip)
{
	if (ip_addr_isany(ip))
		return true;
	if (IP_IS_V4(ip)) {
		if (ip4_addr_isloopback(ip_2_ip4(ip)))
			return true;
		for (struct netif *n = netif_list; n; n = n->next)
			if (ip4_addr_cmp(ip_2_ip4(ip), netif_ip4_addr(n)))
				return true;
		return false;
	}
	if (ip6_addr_isloopback(ip_2_ip6(ip)))
		return true;
	for (struct netif *n = netif_list; n; n = n->next)
		if (netif_get_ip6_addr_match(n, ip_2_ip6(ip)) >= 0)
			return true;
	return false;
}

uint8_t inet_publish_families(const ip_addr_t *ip)
{
	const struct unik_net_info *ni = &boot_info->net;
	if (!nic_netif_publishing())
		return 0;
	if (IP_IS_ANY_TYPE_VAL(*ip))
		return UNIK_NET_PUBLISH_V4 | UNIK_NET_PUBLISH_V6;      /* dual-stack [::] */
	if (IP_IS_V4(ip)) {
		uint32_t own;
		memcpy(&own, ni->ip4, 4);
		bool mine = (ni->flags & UNIK_NET_IPV4) && ip4_addr_get_u32(ip_2_ip4(ip)) == own;
		return ip4_addr_isany(ip_2_ip4(ip)) || mine ? UNIK_NET_PUBLISH_V4 : 0;
	}
	bool mine = (ni->flags & UNIK_NET_IPV6) && !memcmp(ip_2_ip6(ip)->addr, ni->ip6, 16);
	return ip6_addr_isany(ip_2_ip6(ip)) || mine ? UNIK_NET_PUBLISH_V6 : 0;
}

void inet_publish_set(struct inet_sock *is, bool udp, uint8_t mine, uint8_t others)
{
	uint8_t before = others | is->pub_families, after = others | mine;
	is->pub_families = mine;
	if (before != after)
		nic_netif_publish(udp, is->pub_port, after);
}

void inet_bound(struct inet_sock *is, const ip_addr_t *ip)
{
	if (is->family == AF_INET6 && IP_IS_V6(ip) && !ip_addr_isany(ip))
		is->v6only = true;
}

int inet_take_err(struct inet_sock *is)
{
	int err;
	if (is->sock) {
		err = is->sock->err;
		is->sock->err = 0;
	} else {
		err = is->err;
		is->err = 0;
	}
	return err;
}

void inet_set_err(struct inet_sock *is, int err)
{
	if (is->sock)
		is->sock->err = err;
	else
		is->err = err;
}

int inet_errno(err_t e)
{
	switch (e) {
	case ERR_OK: return 0;
	case ERR_MEM: case ERR_BUF: return -ENOBUFS;
	case ERR_TIMEOUT: return -ETIMEDOUT;
	case ERR_RTE: return -ENETUNREACH;
	case ERR_INPROGRESS: return -EINPROGRESS;
	case ERR_VAL: case ERR_ARG: return -EINVAL;
	case ERR_WOULDBLOCK: return -EAGAIN;
	case ERR_USE: return -EADDRINUSE;
	case ERR_ALREADY: return -EALREADY;
	case ERR_ISCONN: return -EISCONN;
	case ERR_CONN: return -ENOTCONN;
	case ERR_IF: return -ENETDOWN;
	case ERR_ABRT: return -ECONNABORTED;
	case ERR_RST: return -ECONNRESET;
	case ERR_CLSD: return -ENOTCONN;
	}
	return -EIO;
}

void inet_apply_opts(struct inet_sock *is)
{
	struct socket *s = is->sock;
	int ttl = is->family == AF_INET6 && is->hops >= 0 ? is->hops : is->ttl;
	u8_t tos = (u8_t)(is->family == AF_INET6 ? is->tclass : is->tos);
	if (is->tcp) {
		struct tcp_pcb *p = is->tcp;
		p->ttl = (u8_t)(ttl < 0 ? IP_DEFAULT_TTL : ttl);
		p->tos = tos;
		if (s)  /* a listener's is the window its connections start with */
			tcp_set_rcv_wnd_max(p, inet_tcp_rcv_wnd(s));
		if (is->state == IS_LISTEN)
			return;         /* a tcp_pcb_listen has no more of these fields */
		if (s && s->keepalive)
			ip_set_option(p, SOF_KEEPALIVE);
		else if (s)
			ip_reset_option(p, SOF_KEEPALIVE);
		p->keep_idle = (u32_t)is->keepidle * 1000;
		p->keep_intvl = (u32_t)is->keepintvl * 1000;
		p->keep_cnt = (u32_t)is->keepcnt;
		if (is->nodelay && !is->cork)
			tcp_nagle_disable(p);
		else
			tcp_nagle_enable(p);
	} else if (is->udp) {
		is->udp->ttl = (u8_t)(ttl < 0 ? IP_DEFAULT_TTL : ttl);
		is->udp->tos = tos;
	} else if (is->raw) {
		is->raw->ttl = (u8_t)(ttl < 0 ? IP_DEFAULT_TTL : ttl);
		is->raw->tos = tos;
	}
}

static int inet_int(const void *val, uint32_t len, int *v)
{
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(v, val, sizeof(int));
	return 0;
}

/* An IP level option's value as Linux's do_ip_setsockopt reads it: an int, or from a shorter
   value its first byte, or 0 from none. */
static int inet_ip_int(const void *val, uint32_t len)
{
	int v = 0;
	if (len >= sizeof(int))
		memcpy(&v, val, sizeof(int));
	else if (len)
		v = *(const uint8_t *)val;
	return v;
}

static int inet_set_ip(struct inet_sock *is, int name, int v, uint32_t len)
{
	switch (name) {
	case IP_TOS:
		if (is->type == SOCK_STREAM)
			v = (v & ~3) | (is->tos & 3);   /* ECN bits belong to TCP */
		is->tos = v & 0xff;
		return 0;
	case IP_TTL:
		if (!len || (v != -1 && (v < 1 || v > 255)))
			return -EINVAL;
		is->ttl = v;
		return 0;
	case IP_HDRINCL:
		if (is->family != AF_INET || is->type != SOCK_RAW)
			return -ENOPROTOOPT;
		inet_raw_set_hdrincl(is, v != 0);
		return 0;
	}
	return inet_rxopt_set(is, IPPROTO_IP, name, v);
}

static int inet_set_ipv6(struct inet_sock *is, int name, int v)
{
	switch (name) {
	case IPV6_V6ONLY: {
		bool bound = is->tcp ? is->tcp->local_port != 0 : is->udp && is->udp->local_port;
		if (bound || is->state != IS_CLOSED)
			return -EINVAL;
		is->v6only = v != 0;
		u8_t t = inet_ip_type(is);
		if (is->tcp) {
			IP_SET_TYPE_VAL(is->tcp->local_ip, t);
			IP_SET_TYPE_VAL(is->tcp->remote_ip, t);
		} else if (is->udp) {
			IP_SET_TYPE_VAL(is->udp->local_ip, t);
			IP_SET_TYPE_VAL(is->udp->remote_ip, t);
		}
		return 0;
	}
	case IPV6_TCLASS:
		if (v < -1 || v > 255)
			return -EINVAL;
		is->tclass = v < 0 ? 0 : v;
		return 0;
	case IPV6_UNICAST_HOPS:
		if (v < -1 || v > 255)
			return -EINVAL;
		is->hops = v;
		return 0;
	}
	return inet_rxopt_set(is, IPPROTO_IPV6, name, v);
}

static int inet_set_tcp(struct inet_sock *is, int name, int v)
{
	switch (name) {
	case TCP_NODELAY:
		is->nodelay = v != 0;
		if (is->nodelay && is->tcp && is->state == IS_CONNECTED && !is->cork) {
			tcp_nagle_disable(is->tcp);
			tcp_output(is->tcp);    /* as Linux, pushes what Nagle held */
			net_poll();
		}
		return 0;
	case TCP_MAXSEG:
		return v < 88 || v > 32767 ? -EINVAL : 0;   /* accepted; lwIP keeps its MSS */
	case TCP_CORK:
		/* While corked a partial segment waits as Nagle makes it wait (until what is in
		   flight is acknowledged; Linux holds it up to 200 ms); uncorking pushes it. */
		is->cork = v != 0;
		if (is->tcp && is->state == IS_CONNECTED) {
			if (is->cork)
				tcp_nagle_enable(is->tcp);
			else if (is->nodelay)
				tcp_nagle_disable(is->tcp);
			if (!is->cork) {
				tcp_output(is->tcp);
				net_poll();
			}
		}
		return 0;
	case TCP_KEEPIDLE:
		if (v < 1 || v > MAX_TCP_KEEPIDLE)
			return -EINVAL;
		is->keepidle = v;
		return 0;
	case TCP_KEEPINTVL:
		if (v < 1 || v > MAX_TCP_KEEPIDLE)
			return -EINVAL;
		is->keepintvl = v;
		return 0;
	case TCP_KEEPCNT:
		if (v < 1 || v > MAX_TCP_KEEPCNT)
			return -EINVAL;
		is->keepcnt = v;
		return 0;
	}
	return -ENOPROTOOPT;
}

int inet_setsockopt(struct socket *s, int level, int name, const void *val, uint32_t len)
{
	struct inet_sock *is = inet_sk(s);
	int v, err;
	if (level == SOL_SOCKET)
		return -ENOPROTOOPT;
	if (level == IPPROTO_TCP && is->type != SOCK_STREAM)
		return -ENOPROTOOPT;
	if (level == IPPROTO_IPV6 && is->family != AF_INET6)
		return -ENOPROTOOPT;
	if (inet_raw_owns_opt(is, level, name))
		return inet_raw_setsockopt(is, level, name, val, len);
	if ((level == SOL_UDP || level == SOL_UDPLITE) && is->udp)
		return inet_udp_setsockopt(is, name, val, len);
	if (level != IPPROTO_IP && level != IPPROTO_IPV6 && level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	if (level == IPPROTO_IP)
		err = inet_set_ip(is, name, inet_ip_int(val, len), len);
	else if (!(err = inet_int(val, len, &v)))
		err = level == IPPROTO_IPV6 ? inet_set_ipv6(is, name, v) : inet_set_tcp(is, name, v);
	if (!err)
		inet_apply_opts(is);
	return err;
}

static int inet_get_int(struct inet_sock *is, int level, int name, int *v)
{
	struct tcp_pcb *p = is->state == IS_LISTEN ? NULL : is->tcp;
	if (level == SOL_SOCKET && name == SO_ACCEPTCONN)
		*v = is->state == IS_LISTEN;
	else if (level == IPPROTO_IP && name == IP_TOS)
		*v = is->tos;
	else if (level == IPPROTO_IP && name == IP_TTL)
		*v = is->ttl < 0 ? IP_DEFAULT_TTL : is->ttl;
	else if (level == IPPROTO_IP && name == IP_HDRINCL &&
		 (is->family == AF_INET || is->type != SOCK_RAW))
		*v = inet_raw_hdrincl(is);      /* an IPv6 raw socket has no IP level (Linux) */
	else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY)
		*v = is->v6only;
	else if (level == IPPROTO_IPV6 && name == IPV6_TCLASS)
		*v = is->tclass;
	else if (level == IPPROTO_IPV6 && name == IPV6_UNICAST_HOPS)
		*v = is->hops < 0 ? IP_DEFAULT_TTL : is->hops;
	else if (level == IPPROTO_TCP && name == TCP_NODELAY)
		*v = is->nodelay;
	else if (level == IPPROTO_TCP && name == TCP_CORK)
		*v = is->cork;
	else if (level == IPPROTO_TCP && name == TCP_MAXSEG)
		*v = p && is->state == IS_CONNECTED ? p->mss : 536;
	else if (level == IPPROTO_TCP && name == TCP_KEEPIDLE)
		*v = is->keepidle;
	else if (level == IPPROTO_TCP && name == TCP_KEEPINTVL)
		*v = is->keepintvl;
	else if (level == IPPROTO_TCP && name == TCP_KEEPCNT)
		*v = is->keepcnt;
	else if ((level == IPPROTO_IP || level == IPPROTO_IPV6) && inet_rxopt_get(is, level, name, v))
		;
	else if ((level == SOL_UDP || level == SOL_UDPLITE) && is->udp)
		return inet_udp_getsockopt(is, name, v);
	else
		return -ENOPROTOOPT;
	return 0;
}

/* Whether an AF_INET socket's getsockopt knows level: the socket's and IP's, and its
   protocol's (TCP; UDP's and UDP-Lite's; a raw socket's SOL_RAW). Linux hands any other to
   ip_getsockopt, which refuses it with EOPNOTSUPP (AF_INET6's ipv6_getsockopt gives
   ENOPROTOOPT, as for an unknown name). */
static bool inet_level_known4(const struct inet_sock *is, int level)
{
	switch (level) {
	case SOL_SOCKET: case IPPROTO_IP: return true;      /* SO_ACCEPTCONN comes here */
	case IPPROTO_TCP: return is->type == SOCK_STREAM;
	case SOL_UDP: case SOL_UDPLITE: return is->udp != NULL;
	case SOL_RAW: return is->raw && !is->ping;
	}
	return false;
}

int inet_getsockopt(struct socket *s, int level, int name, void *val, uint32_t *len)
{
	struct inet_sock *is = inet_sk(s);
	if (is->family == AF_INET && !inet_level_known4(is, level))
		return -EOPNOTSUPP;
	if (level == IPPROTO_TCP && is->type != SOCK_STREAM)
		return -ENOPROTOOPT;
	if (level == IPPROTO_IPV6 && is->family != AF_INET6)
		return -ENOPROTOOPT;
	if (level == IPPROTO_TCP && name == TCP_INFO)
		return inet_tcp_info(is, val, len);
	if (inet_raw_owns_opt(is, level, name))
		return inet_raw_getsockopt(is, level, name, val, len);
	int v;
	int err = inet_get_int(is, level, name, &v);
	if (err)
		return err;
	uint32_t n = MIN(*len, sizeof(v));
	memcpy(val, &v, n);
	*len = n;
	return 0;
}

int inet_getname(struct socket *s, void *addr, uint32_t *len, bool peer)
{
	struct inet_sock *is = inet_sk(s);
	const ip_addr_t *ip = NULL;
	u16_t port = 0;
	if (is->tcp) {
		bool listen = is->state == IS_LISTEN;
		if (peer && (listen || (is->state != IS_CONNECTED && is->state != IS_CONNECTING)))
			return -ENOTCONN;
		if (peer && is->state == IS_CONNECTING)
			return -ENOTCONN;
		ip = peer ? &is->tcp->remote_ip : &is->tcp->local_ip;
		port = peer ? is->tcp->remote_port : is->tcp->local_port;
	} else if (is->udp) {
		if (peer && !is->udp_connected)
			return -ENOTCONN;
		ip = peer ? &is->udp->remote_ip : &is->udp->local_ip;
		port = peer ? is->udp->remote_port : is->udp->local_port;
	} else if (is->raw) {
		/* Linux's port of a raw socket is its protocol; of a ping socket, the echo id */
		if (peer && !is->udp_connected)
			return -ENOTCONN;
		ip = peer ? &is->raw->remote_ip : &is->raw->local_ip;
		port = peer ? 0 : is->ping ? is->ping_id : is->sock->protocol;
	} else if (peer) {
		return -ENOTCONN;
	}
	*len = inet_addr_out(is, ip, port, addr);
	return 0;
}

int inet_copy_out(struct iov_iter *it, struct pbuf *p, uint32_t off, uint32_t n)
{
	for (; p && n; p = p->next) {
		if (off >= p->len) {
			off -= p->len;
			continue;
		}
		uint32_t c = MIN(n, (uint32_t)p->len - off);
		if (iter_copy_to(it, (uint8_t *)p->payload + off, c))
			return -EFAULT;
		n -= c;
		off = 0;
	}
	return 0;
}
