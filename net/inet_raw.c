/* Raw IP sockets (SOCK_RAW: root, who has CAP_NET_RAW in a container) and ICMP echo sockets
   (SOCK_DGRAM with IPPROTO_ICMP or IPPROTO_ICMPV6, Linux's "ping" sockets) on lwIP's raw PCBs.

   lwIP offers every arriving IP packet to the raw PCBs of its protocol before its own handling;
   a socket queues a copy and lets lwIP go on, so ICMP echo requests are still answered, as
   Linux's raw sockets see the packets the stack also handles. What a receive returns is Linux's:
   an IPv4 raw socket gets the IP header too, an IPv6 one and a ping socket only what follows it.
   A ping socket sends echo requests only; the stack puts in its identifier (the socket's port)
   and the checksum, and it receives only the echo replies carrying that identifier. ICMPv6
   checksums are the stack's on both kinds, as Linux; IPv4 raw sends carry the program's.

   With IP_HDRINCL (always on an IPPROTO_RAW socket) or IPV6_HDRINCL a send carries its own IP
   header, which lwIP's raw PCB sends as it is (RAW_FLAGS_HDRINCL); as Linux's raw_send_hdrinc,
   an IPv4 header first gets its total length, an identification, its source when it has none,
   and its checksum. The receive is unchanged.

   lwIP's loopback interface leaves checksums out (its packets never leave memory), so packets
   that come back through it get their IPv4 header checksum, and an ICMP or ICMPv6 checksum the
   stack left at 0, filled in on the copy a socket receives: programs that check them (ping)
   see what Linux's loopback gives. A packet a program built keeps its own checksums, and the
   loopback checks them as Linux's input does (inet_raw_input). */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/random.h"
#include "vfs/file.h"
#include "net/inet.h"
#include "net/net.h"
#include "lwip/inet_chksum.h"
#include "lwip/netif.h"

#define ICMP_FILTER 1                   /* SOL_RAW */
#define IPV6_CHECKSUM 7                 /* SOL_RAW or IPPROTO_IPV6 */
#define IPV6_HDRINCL 36                 /* SOL_RAW or IPPROTO_IPV6 */
#define ICMPV6_FILTER 1                 /* SOL_ICMPV6 (= IPPROTO_ICMPV6) */
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129
#define IPV4_MAX_PAYLOAD 65515          /* 0xffff less the IP header */
#define IPV6_MAX_PAYLOAD 65487          /* lwIP's 16-bit pbuf length holds the IPv6 header too */
#define HDRINCL_MAX 0xffff              /* a packet with its header: that 16-bit length */
#define IPV4_DF 0x40                    /* "don't fragment", in the flags byte */

static bool raw_v6(const struct inet_sock *is)
{
	return is->family == AF_INET6;
}

static bool raw_netif_loopback(const struct netif *n)
{
	return n && n->name[0] == 'l' && n->name[1] == 'o';
}

/* The checksum at off (ICMP or ICMPv6 header at hl) that lwIP's loopback left out. */
static void raw_fill_checksums(struct pbuf *q, bool v6, uint32_t hl)
{
	uint8_t *b = q->payload;                /* a pbuf_clone: one contiguous buffer */
	if (!v6) {
		b[10] = b[11] = 0;
		u16_t c = inet_chksum(b, (u16_t)hl);
		memcpy(b + 10, &c, 2);
	}
	uint8_t proto = v6 ? IP6_NEXTH_ICMP6 : IP_PROTO_ICMP;
	if ((v6 ? IP6H_NEXTH((struct ip6_hdr *)b) : IPH_PROTO((struct ip_hdr *)b)) != proto ||
	    q->tot_len < hl + 4 || b[hl + 2] || b[hl + 3])
		return;
	u16_t c;
	if (v6) {
		pbuf_remove_header(q, hl);
		c = ip6_chksum_pseudo(q, IP6_NEXTH_ICMP6, q->tot_len, ip6_current_src_addr(),
				      ip6_current_dest_addr());
		pbuf_add_header_force(q, hl);
	} else {
		c = inet_chksum(b + hl, (u16_t)(q->tot_len - hl));
	}
	memcpy(b + hl + 2, &c, 2);
}

/* Whether ICMP_FILTER / ICMPV6_FILTER keeps this type out (Linux: IPv4 types from 32 on pass). */
static bool raw_filtered(const struct inet_sock *is, uint8_t type)
{
	if (!raw_v6(is))
		return type < 32 && (is->icmp_filter[0] >> type & 1);
	return is->icmp_filter[type >> 5] >> (type & 31) & 1;
}

static struct inet_sock *ping_socks;   /* every raw and ping socket, through ping_next */
static const struct inet_sock *ping_owner(int family, u16_t id);

static u8_t raw_recv_cb(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	struct inet_sock *is = arg;
	bool v6 = raw_v6(is);
	uint32_t hl = ip_current_header_tot_len();
	uint8_t icmp[8];
	bool is_icmp = pcb->protocol == (v6 ? IP6_NEXTH_ICMP6 : IP_PROTO_ICMP);
	if (!is->sock || p->tot_len < hl)
		return 0;
	if (is_icmp && pbuf_copy_partial(p, icmp, sizeof(icmp), (u16_t)hl) < (is->ping ? 8 : 1))
		return 0;
	if (is->ping) {
		u16_t id = (u16_t)(icmp[4] << 8 | icmp[5]);
		if (icmp[0] != (v6 ? ICMPV6_ECHO_REPLY : ICMP_ECHOREPLY) || id != is->ping_id ||
		    ping_owner(is->family, id) != is)
			return 0;
	} else if (is_icmp && raw_filtered(is, icmp[0])) {
		return 0;
	}
	if (is->dq_bytes + p->tot_len > is->sock->rcvbuf)
		return 0;
	struct pbuf *q = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
	if (!q)
		return 0;
	if (raw_netif_loopback(ip_current_input_netif()) && !(p->flags & INET_PBUF_HDRINCL))
		raw_fill_checksums(q, v6, hl);
	if (v6 || is->ping)
		pbuf_remove_header(q, (u16_t)hl);
	inet_dgram_push(is, q, addr, 0);
	return 0;                               /* lwIP goes on with p (echo replies...) */
}

int inet_raw_init(struct inet_sock *is, int protocol)
{
	bool v6 = raw_v6(is);
	struct raw_pcb *p = raw_new_ip_type(v6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4, (u8_t)protocol);
	if (!p)
		return -ENOMEM;
	is->raw = p;
	is->ping = is->type == SOCK_DGRAM;
	is->v6only = v6;                        /* no IPv4 through an IPv6 raw socket */
	if (v6 && protocol == IP6_NEXTH_ICMP6) {
		p->chksum_reqd = 1;             /* Linux computes ICMPv6 checksums, always */
		p->chksum_offset = 2;
	}
	if (protocol == IPPROTO_RAW)
		p->flags |= RAW_FLAGS_HDRINCL;
	raw_recv(p, raw_recv_cb, is);
	is->ping_next = ping_socks;
	ping_socks = is;
	return 0;
}

static void raw_release(struct socket *s)
{
	struct inet_sock *is = inet_sk(s);
	while (is->dq_head)
		inet_dgram_pop(is);
	inet_errq_purge(is);
	if (is->raw)
		raw_remove(is->raw);
	for (struct inet_sock **l = &ping_socks; *l; l = &(*l)->ping_next)
		if (*l == is) {
			*l = is->ping_next;
			break;
		}
	kfree(is, sizeof(*is));
	file_changed();
}

/* Whether another ping socket of is's family has the identifier id. */
static bool ping_id_used(const struct inet_sock *is, u16_t id)
{
	for (const struct inet_sock *o = ping_socks; o; o = o->ping_next)
		if (o != is && o->ping && o->family == is->family && o->ping_id == id)
			return true;
	return false;
}

/* Gives a ping socket its echo identifier: id as asked, or (0) the next one no other socket
   has. Linux (6.18, as measured) lets two sockets bind one identifier, and its replies then go
   to the one bound last: the socket moves to the head of the list, where the receive looks. */
static int ping_take_id(struct inet_sock *is, u16_t id)
{
	static u16_t rover;
	for (uint32_t tries = 0; !id && tries < 65536; tries++) {
		if (!++rover)
			rover = 1;
		if (!ping_id_used(is, rover))
			id = rover;
	}
	if (!id)
		return -EAGAIN;
	is->ping_id = id;
	for (struct inet_sock **l = &ping_socks; *l; l = &(*l)->ping_next)
		if (*l == is) {
			*l = is->ping_next;
			break;
		}
	is->ping_next = ping_socks;
	ping_socks = is;
	return 0;
}

/* The ping socket a reply to id goes to: the one that took id last. */
static const struct inet_sock *ping_owner(int family, u16_t id)
{
	for (const struct inet_sock *o = ping_socks; o; o = o->ping_next)
		if (o->ping && o->family == family && o->ping_id == id)
			return o;
	return NULL;
}

void inet_raw_icmp_error(const struct inet_icmp_err *e, uint8_t proto)
{
	for (struct inet_sock *o = ping_socks; o; o = o->ping_next) {
		const struct raw_pcb *pcb = o->raw;
		if (o->ping || !pcb || pcb->protocol != proto || raw_v6(o) != e->v6 ||
		    (!ip_addr_isany(&pcb->local_ip) && !ip_addr_cmp(&pcb->local_ip, &e->local)) ||
		    (o->udp_connected && !ip_addr_cmp(&pcb->remote_ip, &e->remote)))
			continue;
		struct inet_icmp_err oe = *e;
		if (inet_raw_hdrincl(o)) {      /* Linux's raw_err: from the quoted IP header on */
			oe.payload = e->quoted;
			oe.payload_len += (uint32_t)(e->payload - e->quoted);
		}
		inet_icmp_deliver(o, &oe, o->udp_connected);
	}
}

void inet_ping_icmp_error(const struct inet_icmp_err *e, u16_t id)
{
	const struct inet_sock *o = ping_owner(e->v6 ? AF_INET6 : AF_INET, id);
	if (o)
		inet_icmp_deliver((struct inet_sock *)o, e, o->udp_connected);
}

static int raw_bind_op(struct socket *s, const void *addr, uint32_t len)
{
	struct inet_sock *is = inet_sk(s);
	ip_addr_t ip;
	u16_t port;
	int err = inet_bind_addr(is, addr, len, &ip, &port);
	if (err)
		return err;
	if (is->ping) {
		if (is->ping_id)
			return -EINVAL;         /* bound already */
		if ((err = ping_take_id(is, port)))
			return err;
	}
	return inet_errno(raw_bind(is->raw, &ip));
}

/* A ping socket gets its identifier at connect, as Linux's autobind. */
static int raw_connect_to(struct inet_sock *is, const ip_addr_t *ip, u16_t port)
{
	int err;
	if (is->ping && !is->ping_id && (err = ping_take_id(is, 0)))
		return err;
	return inet_errno(raw_connect(is->raw, ip));
}

static void raw_connect_undo(struct inet_sock *is)
{
	raw_disconnect(is->raw);
}

static int raw_connect_op(struct socket *s, const void *addr, uint32_t len, bool nonblock)
{
	return inet_dgram_connect(inet_sk(s), addr, len, raw_connect_to, raw_connect_undo);
}

/* A ping socket's message: an echo request (Linux: EINVAL for anything else), which gets the
   socket's identifier and, over IPv4, its checksum. */
static int ping_prepare(struct inet_sock *is, struct pbuf *p)
{
	uint8_t *b = p->payload;
	bool v6 = raw_v6(is);
	if (p->tot_len < 8)
		return -EINVAL;
	if (b[0] != (v6 ? ICMPV6_ECHO_REQUEST : ICMP_ECHO) || b[1] != 0)
		return -EINVAL;
	if (!is->ping_id) {
		int err = ping_take_id(is, 0);
		if (err)
			return err;
	}
	b[4] = (uint8_t)(is->ping_id >> 8);
	b[5] = (uint8_t)is->ping_id;
	b[2] = b[3] = 0;
	if (!v6) {
		u16_t c = inet_chksum(b, p->tot_len);
		memcpy(b + 2, &c, 2);
	}
	return 0;
}

bool inet_raw_hdrincl(const struct inet_sock *is)
{
	return is->raw && (is->raw->flags & RAW_FLAGS_HDRINCL);
}

void inet_raw_set_hdrincl(struct inet_sock *is, bool on)
{
	if (on)
		is->raw->flags |= RAW_FLAGS_HDRINCL;
	else
		is->raw->flags &= (u8_t)~RAW_FLAGS_HDRINCL;
}

/* What Linux checks of a header-included send before it copies the packet in: the route (the
   control messages' or, as raw_sendto chooses it, from the bound address or the interface's)
   and the source a header without one gets; EMSGSIZE beyond the interface's MTU (a local
   destination goes over Linux's loopback, whose 65536 no packet exceeds), EINVAL when not even
   an IP header fits. */
static int raw_hdrincl_route(const struct inet_sock *is, const ip_addr_t *dst, uint64_t len,
			     struct netif **nif, ip_addr_t *src)
{
	const struct raw_pcb *pcb = is->raw;
	bool v6 = raw_v6(is);
	if (!*nif) {
		if (!(*nif = ip_route(&pcb->local_ip, dst)))
			return -ENETUNREACH;
		const ip_addr_t *s = ip_addr_isany(&pcb->local_ip) ?
				     ip_netif_get_local_ip(*nif, dst) : &pcb->local_ip;
		if (!s)
			return -ENETUNREACH;
		ip_addr_copy(*src, *s);
	}
	u16_t mtu = v6 ? netif_mtu6(*nif) : (*nif)->mtu;
	if (mtu && len > mtu && !inet_addr_local(dst))
		return -EMSGSIZE;
	return len < (v6 ? IP6_HLEN : IP_HLEN) ? -EINVAL : 0;
}

/* An identification for an IPv4 header that has none: Linux draws it from a counter per
   destination; any changing value serves. Never 0. */
static u16_t raw_ip_id(void)
{
	static u16_t last;
	if (!last)
		random_bytes(&last, sizeof(last));
	if (!++last)
		last = 1;
	return last;
}

/* The program's IPv4 header, finished as Linux's raw_send_hdrinc: EINVAL unless its length
   (IHL) is a whole header within the packet; then the packet's total length, an identification
   when it has none and may be fragmented (with DF, Linux leaves 0), the source src when it has
   none, and the checksum. An IPv6 header goes as it was written. */
static int raw_hdrincl_finish(struct pbuf *p, bool v6, const ip_addr_t *src)
{
	if (v6)
		return 0;
	uint8_t *b = p->payload;
	uint32_t hl = (b[0] & 15u) * 4, zero = 0;
	if (hl < IP_HLEN || hl > p->tot_len)
		return -EINVAL;
	b[2] = (uint8_t)(p->tot_len >> 8);
	b[3] = (uint8_t)p->tot_len;
	if (!b[4] && !b[5] && !(b[6] & IPV4_DF)) {
		u16_t id = raw_ip_id();
		b[4] = (uint8_t)(id >> 8);
		b[5] = (uint8_t)id;
	}
	if (!memcmp(b + 12, &zero, 4))
		memcpy(b + 12, &ip_2_ip4(src)->addr, 4);
	b[10] = b[11] = 0;
	u16_t c = inet_chksum(b, (u16_t)hl);
	memcpy(b + 10, &c, 2);
	return 0;
}

/* Sends p as raw_sendto_if_src does; a header-included packet that comes back to this machine
   (on the interface's loopback queue) is marked for the input (inet_raw_input). */
static err_t raw_output(struct inet_sock *is, struct pbuf *p, const ip_addr_t *dst,
			struct netif *nif, const ip_addr_t *src)
{
	if (!nif)
		return raw_sendto(is->raw, p, dst);
	struct pbuf *tail = nif->loop_last;
	err_t e = raw_sendto_if_src(is->raw, p, dst, nif, src);
	if (e == ERR_OK && inet_raw_hdrincl(is) && nif->loop_last != tail)
		nif->loop_last->flags |= raw_v6(is) ? INET_PBUF_HDRINCL6 : INET_PBUF_HDRINCL4;
	return e;
}

static int64_t raw_sendmsg_op(struct socket *s, struct msg_k *m, int flags, bool nonblock)
{
	struct inet_sock *is = inet_sk(s);
	bool v6 = raw_v6(is), hdrincl = inet_raw_hdrincl(is);
	ip_addr_t ip, src;
	u16_t port;
	struct netif *nif;
	int err;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->addrlen) {
		if ((err = inet_addr_in(is, m->addr, m->addrlen, false, &ip, &port)))
			return err;
	} else if (is->udp_connected) {
		ip_addr_copy(ip, is->raw->remote_ip);
	} else {
		return -EDESTADDRREQ;
	}
	uint64_t max = hdrincl ? HDRINCL_MAX : v6 ? IPV6_MAX_PAYLOAD : IPV4_MAX_PAYLOAD;
	if ((err = inet_dgram_send_begin(is, m, flags, &ip, max, true, &nif, &src)))
		return err;
	uint64_t len = m->it.left;
	if (hdrincl && (err = raw_hdrincl_route(is, &ip, len, &nif, &src)))
		return err;
	/* one buffer: the checksums are written into its first bytes */
	struct pbuf *p = pbuf_alloc(hdrincl ? PBUF_LINK : PBUF_IP, (u16_t)len, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	if (iter_copy_from(&m->it, p->payload, len))
		err = -EFAULT;
	else if (hdrincl)
		err = raw_hdrincl_finish(p, v6, &src);
	else if (v6 && is->raw->chksum_reqd && len < is->raw->chksum_offset + 2u)
		err = -EINVAL;                  /* no room for the checksum (Linux) */
	else if (is->ping)
		err = ping_prepare(is, p);
	if (err) {
		pbuf_free(p);
		return err;
	}
	err_t e = raw_output(is, p, &ip, nif, &src);
	inet_apply_opts(is);
	pbuf_free(p);
	net_poll();                             /* loopback delivery */
	if (e != ERR_OK)
		return e == ERR_RTE ? -ENETUNREACH : inet_errno(e);
	return (int64_t)len;
}

int inet_raw_input(struct pbuf *p, struct netif *inp, bool v6)
{
	uint8_t own = p->flags & INET_PBUF_HDRINCL;
	if (raw_netif_loopback(inp))
		NETIF_SET_CHECKSUM_CTRL(inp, own ? NETIF_CHECKSUM_CHECK_IP | NETIF_CHECKSUM_CHECK_UDP |
					NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_ICMP |
					NETIF_CHECKSUM_CHECK_ICMP6 : NETIF_CHECKSUM_DISABLE_ALL);
	if (!own || own == (v6 ? INET_PBUF_HDRINCL6 : INET_PBUF_HDRINCL4))
		return 0;
	pbuf_free(p);
	return 1;
}

/* The ICMP filter option's checks in Linux's order: SOL_RAW is IPv4's level (the name first,
   then the protocol), SOL_ICMPV6 IPv6's (the protocol first). 0, or -errno. */
static int raw_filter_opt(const struct inet_sock *is, int level, int name)
{
	bool v6 = raw_v6(is), icmp = is->sock->protocol == (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (is->ping || (level == SOL_RAW) == v6)
		return -ENOPROTOOPT;
	if (v6 && !icmp)
		return -EOPNOTSUPP;
	if (name != (v6 ? ICMPV6_FILTER : ICMP_FILTER))
		return -ENOPROTOOPT;
	return icmp ? 0 : -EOPNOTSUPP;
}

/* IPV6_CHECKSUM and IPV6_HDRINCL, the IPv6 raw socket's options at SOL_RAW or IPPROTO_IPV6. */
static bool raw_opt6(const struct inet_sock *is, int level, int name)
{
	return raw_v6(is) && level != IPPROTO_ICMPV6 &&
	       (name == IPV6_CHECKSUM || name == IPV6_HDRINCL);
}

bool inet_raw_owns_opt(const struct inet_sock *is, int level, int name)
{
	if (!is->raw || is->ping)
		return false;
	return level == SOL_RAW || level == IPPROTO_ICMPV6 ||
	       (level == IPPROTO_IPV6 && raw_opt6(is, level, name));
}

/* IPV6_HDRINCL; IPV6_CHECKSUM: where the stack puts the checksum of what an IPv6 raw socket
   sends (-1: it does not); ICMPv6's is always at 2, and IPPROTO_IPV6's level may not change
   it (Linux). */
static int raw_opt6_set(struct inet_sock *is, int level, int name, const void *val,
			uint32_t len)
{
	int v;
	if (len < sizeof(v))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	if (name == IPV6_HDRINCL) {
		inet_raw_set_hdrincl(is, v != 0);
		return 0;
	}
	if (level == IPPROTO_IPV6 && is->sock->protocol == IPPROTO_ICMPV6)
		return -EINVAL;
	if (v > 0 && (v & 1))
		return -EINVAL;
	is->raw->chksum_reqd = v >= 0;
	is->raw->chksum_offset = (u16_t)(v >= 0 ? v : 0);
	return 0;
}

int inet_raw_setsockopt(struct inet_sock *is, int level, int name, const void *val, uint32_t len)
{
	if (raw_opt6(is, level, name))
		return raw_opt6_set(is, level, name, val, len);
	int err = raw_filter_opt(is, level, name);
	if (err)
		return err;
	/* Linux copies at most the filter's size, and a shorter value over its start. */
	memcpy(is->icmp_filter, val, MIN(len, raw_v6(is) ? 32u : 4u));
	return 0;
}

int inet_raw_getsockopt(struct inet_sock *is, int level, int name, void *val, uint32_t *len)
{
	if (raw_opt6(is, level, name)) {
		int v = name == IPV6_HDRINCL ? inet_raw_hdrincl(is) :
			is->raw->chksum_reqd ? is->raw->chksum_offset : -1;
		*len = MIN(*len, sizeof(v));
		memcpy(val, &v, *len);
		return 0;
	}
	int err = raw_filter_opt(is, level, name);
	if (err)
		return err;
	*len = MIN(*len, raw_v6(is) ? 32u : 4u);
	memcpy(val, is->icmp_filter, *len);
	return 0;
}

const struct sock_ops inet_raw_ops = {
	.bind = raw_bind_op,
	.connect = raw_connect_op,
	.sendmsg = raw_sendmsg_op,
	.recvmsg = inet_dgram_recvmsg,
	.shutdown = inet_dgram_shutdown,
	.getname = inet_getname,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
	.poll = inet_dgram_poll,
	.event_seq = inet_event_seq,
	.ioctl = inet_dgram_ioctl,
	.release = raw_release,
};
