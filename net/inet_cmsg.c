/* Control messages of datagram sockets (UDP, raw, ping): SO_TIMESTAMP's, then the IP levels',
   as Linux's sock_recv_cmsgs, ip_cmsg_recv and ip6_datagram_recv_ctl on receipt and
   ip_cmsg_send and ip6_datagram_send_ctl on a send. A received datagram keeps what they report
   (its arrival time, destination address, the interface it came in on, TTL or hop limit, TOS
   or traffic class), noted while lwIP's input still has its header; the options the socket
   asked for (SO_TIMESTAMP, SO_TIMESTAMPNS, IP_PKTINFO, IP_RECVTTL, IP_RECVTOS,
   IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS and RFC 2292's IPV6_2292PKTINFO and
   IPV6_2292HOPLIMIT) turn them into messages. A send may choose its source address or
   interface (IP_PKTINFO, IPV6_PKTINFO), TTL, hop limit, TOS and traffic class. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/time.h"
#include "net/inet.h"
#include "net/net.h"
#include "lwip/ip.h"
#include "lwip/netif.h"

#define IP_TOS 1
#define IP_TTL 2
#define IP_PKTINFO 8
#define IP_RECVTTL 12
#define IP_RECVTOS 13
#define IP_RECVERR 11
#define IPV6_2292PKTINFO 2
#define IPV6_2292HOPLIMIT 8
#define IPV6_RECVERR 25
#define IPV6_RECVPKTINFO 49
#define IPV6_PKTINFO 50
#define IPV6_RECVHOPLIMIT 51
#define IPV6_HOPLIMIT 52
#define IPV6_RECVTCLASS 66
#define IPV6_TCLASS 67

/* What the control messages of one send ask: TTL or hop limit and TOS or traffic class (-1:
   the socket's), the interface (0: the route's) and the source address (has_src). */
struct inet_txopt {
	int ttl, tos, ifindex;
	bool has_src;
	ip_addr_t src;
};

struct in_pktinfo_k {
	int32_t ifindex;
	uint32_t spec_dst, addr;
};
struct in6_pktinfo_k {
	uint8_t addr[16];
	int32_t ifindex;
};

/* The socket's option bits (inet_sock.rxopt), each the Linux option that sets it. */
static const struct {
	int level, name;
	uint16_t bit;
} rx_opts[] = {
	{ IPPROTO_IP, IP_PKTINFO, INET_RX_PKTINFO },
	{ IPPROTO_IP, IP_RECVTTL, INET_RX_TTL },
	{ IPPROTO_IP, IP_RECVTOS, INET_RX_TOS },
	{ IPPROTO_IPV6, IPV6_RECVPKTINFO, INET_RX_PKTINFO6 },
	{ IPPROTO_IPV6, IPV6_RECVHOPLIMIT, INET_RX_HOPLIMIT },
	{ IPPROTO_IPV6, IPV6_RECVTCLASS, INET_RX_TCLASS },
	{ IPPROTO_IPV6, IPV6_2292PKTINFO, INET_RX_2292PKTINFO },
	{ IPPROTO_IPV6, IPV6_2292HOPLIMIT, INET_RX_2292HOPLIMIT },
	{ IPPROTO_IP, IP_RECVERR, INET_RX_RECVERR },
	{ IPPROTO_IPV6, IPV6_RECVERR, INET_RX_RECVERR6 },
};

int inet_rxopt_set(struct inet_sock *is, int level, int name, int v)
{
	for (size_t i = 0; i < ARRAY_SIZE(rx_opts); i++)
		if (rx_opts[i].level == level && rx_opts[i].name == name) {
			if (v)
				is->rxopt |= rx_opts[i].bit;
			else
				is->rxopt &= (uint16_t)~rx_opts[i].bit;
			if (!v && (rx_opts[i].bit & (INET_RX_RECVERR | INET_RX_RECVERR6)))
				inet_errq_purge(is);    /* as Linux: turning it off empties the queue */
			return 0;
		}
	return -ENOPROTOOPT;
}

bool inet_rxopt_get(const struct inet_sock *is, int level, int name, int *v)
{
	for (size_t i = 0; i < ARRAY_SIZE(rx_opts); i++)
		if (rx_opts[i].level == level && rx_opts[i].name == name) {
			*v = (is->rxopt & rx_opts[i].bit) != 0;
			return true;
		}
	return false;
}

void inet_dgram_note(struct inet_dgram *d)
{
	const struct netif *in = ip_current_input_netif();
	d->stamp = time_realtime_ns();
	ip_addr_copy(d->dst, *ip_current_dest_addr());
	d->ifindex = in ? netif_get_index(in) : 0;
	if (ip_current_is_v6()) {
		const struct ip6_hdr *h = ip6_current_header();
		d->ttl = IP6H_HOPLIM(h);
		d->tos = (uint8_t)IP6H_TC(h);
	} else {
		const struct ip_hdr *h = ip4_current_header();
		d->ttl = IPH_TTL(h);
		d->tos = IPH_TOS(h);
	}
	/* the local address a reply would come from: a broadcast's is the interface's */
	if (IP_IS_V4(&d->dst) && in && (ip4_addr_isbroadcast(ip_2_ip4(&d->dst), in) ||
					ip4_addr_ismulticast(ip_2_ip4(&d->dst))))
		d->spec_dst = ip4_addr_get_u32(netif_ip4_addr(in));
	else
		d->spec_dst = IP_IS_V4(&d->dst) ? ip4_addr_get_u32(ip_2_ip4(&d->dst)) : 0;
}

static void ctl_int(struct msg_k *m, int level, int type, int v)
{
	msg_ctl_add(m, level, type, &v, sizeof(v));
}

static void cmsg_recv6(uint16_t rx, const struct inet_dgram *d, struct msg_k *m);

void inet_cmsg_recv(const struct inet_sock *is, const struct inet_dgram *d, struct msg_k *m)
{
	uint16_t rx = is->rxopt;
	bool v6 = IP_IS_V6(&d->dst);
	sock_cmsg_timestamp(is->sock, d->stamp, m);     /* the socket level's come first */
	if (!rx)
		return;
	if (is->family == AF_INET6)
		cmsg_recv6(rx, d, m);   /* on an IPv6 socket, Linux gives these first */
	/* An IPv4 datagram: the IP level's, on either family's socket. */
	if (!v6 && (rx & INET_RX_PKTINFO)) {
		struct in_pktinfo_k pi = { d->ifindex, d->spec_dst, ip4_addr_get_u32(ip_2_ip4(&d->dst)) };
		msg_ctl_add(m, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	}
	if (!v6 && (rx & INET_RX_TTL))
		ctl_int(m, IPPROTO_IP, IP_TTL, d->ttl);
	if (!v6 && (rx & INET_RX_TOS))
		msg_ctl_add(m, IPPROTO_IP, IP_TOS, &d->tos, 1);
}

/* An IPv6 socket's: IPV6_PKTINFO for any datagram (an IPv4 one's address v4-mapped), the
   rest, which read the IPv6 header, for IPv6 datagrams (Linux's ip6_datagram_recv_ctl). */
static void cmsg_recv6(uint16_t rx, const struct inet_dgram *d, struct msg_k *m)
{
	bool v6 = IP_IS_V6(&d->dst);
	struct in6_pktinfo_k pi6 = { .ifindex = d->ifindex };
	if (v6) {
		memcpy(pi6.addr, ip_2_ip6(&d->dst)->addr, 16);
	} else {                        /* v4-mapped, as Linux's common part for IPv4 */
		uint32_t a = ip4_addr_get_u32(ip_2_ip4(&d->dst));
		pi6.addr[10] = pi6.addr[11] = 0xff;
		memcpy(pi6.addr + 12, &a, 4);
	}
	if (rx & INET_RX_PKTINFO6)
		msg_ctl_add(m, IPPROTO_IPV6, IPV6_PKTINFO, &pi6, sizeof(pi6));
	if (!v6)
		return;                 /* the rest reads the IPv6 header */
	if (rx & INET_RX_HOPLIMIT)
		ctl_int(m, IPPROTO_IPV6, IPV6_HOPLIMIT, d->ttl);
	if (rx & INET_RX_TCLASS)
		ctl_int(m, IPPROTO_IPV6, IPV6_TCLASS, d->tos);
	if (rx & INET_RX_2292PKTINFO)
		msg_ctl_add(m, IPPROTO_IPV6, IPV6_2292PKTINFO, &pi6, sizeof(pi6));
	if (rx & INET_RX_2292HOPLIMIT)
		ctl_int(m, IPPROTO_IPV6, IPV6_2292HOPLIMIT, d->ttl);
}

static int ctl_get_int(const struct msg_ipctl *c, int lo, int hi, int *v)
{
	if (c->len != sizeof(int))
		return -EINVAL;
	memcpy(v, c->data, sizeof(int));
	return *v < lo || *v > hi ? -EINVAL : 0;
}

/* One IPv4 control message of a send (Linux's ip_cmsg_send). */
static int cmsg_send_ip(const struct msg_ipctl *c, struct inet_txopt *o)
{
	int v;
	switch (c->type) {
	case IP_PKTINFO: {
		struct in_pktinfo_k pi;
		if (c->len != sizeof(pi))
			return -EINVAL;
		memcpy(&pi, c->data, sizeof(pi));
		o->ifindex = pi.ifindex;
		if (pi.spec_dst)
			ip_addr_set_ip4_u32_val(o->src, pi.spec_dst);
		o->has_src = pi.spec_dst != 0;
		return 0;
	}
	case IP_TTL:
		if (ctl_get_int(c, 1, 255, &v))
			return -EINVAL;
		o->ttl = v;
		return 0;
	case IP_TOS:
		if (c->len == 1)
			v = c->data[0];
		else if (ctl_get_int(c, 0, 255, &v))
			return -EINVAL;
		o->tos = v;
		return 0;
	}
	return -EINVAL;
}

/* One IPv6 control message of a send (Linux's ip6_datagram_send_ctl, the common ones). */
static int cmsg_send_ip6(const struct msg_ipctl *c, struct inet_txopt *o)
{
	int v;
	switch (c->type) {
	case IPV6_PKTINFO:
	case IPV6_2292PKTINFO: {
		struct in6_pktinfo_k pi;
		if (c->len < sizeof(pi))
			return -EINVAL;
		memcpy(&pi, c->data, sizeof(pi));
		o->ifindex = pi.ifindex;
		uint32_t w[4];
		memcpy(w, pi.addr, 16);
		o->has_src = (w[0] | w[1] | w[2] | w[3]) != 0;
		if (o->has_src)
			IP_ADDR6(&o->src, w[0], w[1], w[2], w[3]);
		return 0;
	}
	case IPV6_HOPLIMIT:
	case IPV6_2292HOPLIMIT:
		if (ctl_get_int(c, -1, 255, &v))
			return -EINVAL;
		o->ttl = v < 0 ? IP_DEFAULT_TTL : v;
		return 0;
	case IPV6_TCLASS:
		if (ctl_get_int(c, -1, 255, &v))
			return -EINVAL;
		o->tos = v < 0 ? 0 : v;
		return 0;
	}
	return -EINVAL;
}

/* Checks a send's messages (v4_dst: it goes to an IPv4 address) into o: 0 or -EINVAL. */
static int cmsg_send(const struct inet_sock *is, const struct msg_k *m, bool v4_dst,
		     struct inet_txopt *o)
{
	o->ttl = o->tos = -1;
	o->ifindex = 0;
	o->has_src = false;
	for (uint32_t i = 0; i < m->nipctl; i++) {
		const struct msg_ipctl *c = &m->ipctl[i];
		int err = 0;
		/* An IPv6 socket reads only IPv6's, but the IP level's too when it sends IPv4. */
		if (c->level == IPPROTO_IPV6 && is->family == AF_INET6)
			err = cmsg_send_ip6(c, o);
		else if (c->level == IPPROTO_IP && (is->family == AF_INET || v4_dst))
			err = cmsg_send_ip(c, o);
		if (err)
			return err;
	}
	return 0;
}

/* Where o sends to dst from: *nif NULL when it changes nothing. 0 or -errno. */
static int tx_route(const struct inet_txopt *o, const ip_addr_t *dst, struct netif **nif,
		    ip_addr_t *src)
{
	*nif = NULL;
	if (!o->ifindex && !o->has_src)
		return 0;
	/* Linux: no source that is not this machine's (IPv4's route lookup says ENETUNREACH) */
	if (o->has_src && IP_IS_V6(&o->src) != IP_IS_V6(dst))
		return -EINVAL;
	if (o->has_src && !inet_addr_local(&o->src))
		return IP_IS_V6(dst) ? -EINVAL : -ENETUNREACH;
	if (o->ifindex) {
		if (o->ifindex < 0 || o->ifindex > 255 || !(*nif = netif_get_by_index((u8_t)o->ifindex)))
			return -ENODEV;
	} else {
		*nif = ip_route(&o->src, dst);
		if (!*nif)
			return -ENETUNREACH;
	}
	if (o->has_src)
		ip_addr_copy(*src, o->src);
	else if (IP_IS_V6(dst)) {
		const ip_addr_t *s = ip6_select_source_address(*nif, ip_2_ip6(dst));
		if (!s)
			return -EADDRNOTAVAIL;
		ip_addr_copy(*src, *s);
	} else {
		ip_addr_copy(*src, *netif_ip_addr4(*nif));
	}
	return 0;
}

int inet_dgram_send_begin(struct inet_sock *is, const struct msg_k *m, int flags,
			  const ip_addr_t *dst, uint64_t max, bool check_broadcast,
			  struct netif **nif, ip_addr_t *src)
{
	struct inet_txopt o;
	int err;
	if ((err = cmsg_send(is, m, IP_IS_V4(dst), &o)) || (err = tx_route(&o, dst, nif, src)))
		return err;
	if (is->shut_wr)
		return socket_epipe(flags);
	if ((err = inet_take_err(is)))
		return -err;
	if (m->it.left > max)
		return -EMSGSIZE;
	if (check_broadcast && IP_IS_V4(dst) &&
	    ip4_addr_get_u32(ip_2_ip4(dst)) == IPADDR_BROADCAST && !is->sock->broadcast)
		return -EACCES;
	inet_apply_opts(is);
	/* this send's own TTL and TOS: the next send applies the socket's again */
	u8_t *ttl = is->udp ? &is->udp->ttl : &is->raw->ttl;
	u8_t *tos = is->udp ? &is->udp->tos : &is->raw->tos;
	if (o.ttl >= 0)
		*ttl = (u8_t)o.ttl;
	if (o.tos >= 0)
		*tos = (u8_t)o.tos;
	return 0;
}

/* ---- ICMP errors: IP_RECVERR, IPV6_RECVERR and MSG_ERRQUEUE ---- */

#define SO_EE_ORIGIN_ICMP 2
#define SO_EE_ORIGIN_ICMP6 3

void inet_icmp_deliver(struct inet_sock *is, const struct inet_icmp_err *e, bool connected)
{
	bool recverr = is->rxopt & (e->v6 ? INET_RX_RECVERR6 : INET_RX_RECVERR);
	if (!recverr && !(e->hard && connected))
		return;
	if (recverr && is->nerrq < INET_ERRQ_MAX) {
		struct inet_errq *q = kmalloc(sizeof(*q));
		if (q) {
			q->next = NULL;
			q->ee_errno = (uint32_t)e->err;
			q->ee_origin = e->v6 ? SO_EE_ORIGIN_ICMP6 : SO_EE_ORIGIN_ICMP;
			q->ee_type = e->type;
			q->ee_code = e->code;
			q->ee_pad = 0;
			q->ee_info = e->info;
			q->ee_data = 0;
			q->offender = e->offender;
			q->dst = e->remote;
			q->dst_port = e->rport;
			q->len = (uint16_t)MIN(e->payload_len, (uint32_t)INET_ERRQ_DATA);
			memcpy(q->data, e->payload, q->len);
			struct inet_errq **l = &is->errq;
			while (*l)
				l = &(*l)->next;
			*l = q;
			is->nerrq++;
		}
	}
	inet_set_err(is, e->err);
	inet_event(is);
}

int64_t inet_errq_recv(struct inet_sock *is, struct msg_k *m)
{
	struct inet_errq *q = is->errq;
	if (!q)
		return -EAGAIN;         /* Linux: whether or not the socket blocks */
	uint32_t n = (uint32_t)MIN((uint64_t)q->len, m->it.left);
	if (iter_copy_to(&m->it, q->data, n))
		return -EFAULT;
	if (n < q->len)
		m->flags_out |= MSG_TRUNC;
	m->flags_out |= MSG_ERRQUEUE;
	m->addrlen = inet_addr_out(is, &q->dst, q->dst_port, m->addr);
	/* sock_extended_err, then the offender as the socket's family writes addresses */
	uint8_t ee[MSG_IPCTL_DATA];
	memcpy(ee, &q->ee_errno, 4);
	ee[4] = q->ee_origin;
	ee[5] = q->ee_type;
	ee[6] = q->ee_code;
	ee[7] = q->ee_pad;
	memcpy(ee + 8, &q->ee_info, 4);
	memcpy(ee + 12, &q->ee_data, 4);
	uint32_t alen = inet_addr_out(is, &q->offender, 0, ee + 16);
	bool v6 = is->family == AF_INET6;
	msg_ctl_add(m, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_RECVERR : IP_RECVERR, ee, 16 + alen);
	is->errq = q->next;
	is->nerrq--;
	kfree(q, sizeof(*q));
	/* the pending error becomes the next queued one's, or none (sock_dequeue_err_skb) */
	if (is->sock)
		is->sock->err = is->errq ? (int)is->errq->ee_errno : 0;
	return n;
}

void inet_errq_purge(struct inet_sock *is)
{
	while (is->errq) {
		struct inet_errq *q = is->errq;
		is->errq = q->next;
		kfree(q, sizeof(*q));
	}
	is->nerrq = 0;
}
